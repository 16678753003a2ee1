import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { copyFile, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import busboy from 'busboy';
import sharp, { type FormatEnum } from 'sharp';

export interface FakeCloudinaryOptions {
  apiKey: string;
  apiSecret: string;
  cloudName: string;
  /**
   * The account's signature setting. Notifications are signed with it; upload signatures may use either hash (told
   * apart by length) unless it is `sha256`, which stands for an account restricted to SHA-256. @default 'sha1'
   */
  signatureAlgorithm?: 'sha1' | 'sha256';
  /** Hex key that delivery tokens (`__cld_token__`) are checked with. @default a random key (see `authTokenKey`) */
  authTokenKey?: string;
  /** Wait this long after answering an upload before posting its notifications. @default 0 */
  notificationDelayMs?: number;
  /** The fake's clock in epoch milliseconds, for stale-request and token-expiry checks. @default Date.now */
  now?: () => number;
}

/** One request the fake answered. */
export interface FakeRequest {
  method: string;
  path: string;
  /** Multipart fields or form parameters, without the file. */
  params: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  status: number;
}

/** One notification the fake posted, exactly as sent. */
export interface FakeNotification {
  kind: string;
  url: string;
  rawBody: string;
  body: Record<string, unknown>;
  headers: { 'x-cld-timestamp': string; 'x-cld-signature': string };
  /** The receiver's answer, or null when it could not be reached. */
  status: number | null;
}

export interface FakeDerived {
  transformation: string;
  format: string;
  file: string;
  bytes: number;
  width?: number;
  height?: number;
}

export interface FakeAsset {
  publicId: string;
  type: string;
  resource_type: string;
  format: string | undefined;
  version: number;
  bytes: number;
  width?: number;
  height?: number;
  file: string;
  derived: FakeDerived[];
}

export type FakeFailureKind = 'upload' | 'destroy' | 'delete_resources';

export interface FakeCloudinary {
  /** `http://127.0.0.1:<port>`: the Upload and Admin APIs and the delivery host. */
  origin: string;
  /** A `CLOUDINARY_URL` that points the SDK (and the store) at this fake for API calls and delivery. */
  cloudinaryUrl: string;
  authTokenKey: string;
  requests: FakeRequest[];
  notifications: FakeNotification[];
  /** Stored assets by public id (with folder). */
  assets: Map<string, FakeAsset>;
  /** The next `count` calls of `kind` fail with `status` and Cloudinary's error JSON. */
  failNext(kind: FakeFailureKind, count: number, status: number): void;
  /** Posts a notification signed as Cloudinary does, or with the given timestamp/signature (replays, forgeries). */
  sendNotification(url: string, body: string | object, override?: { timestamp?: string; signature?: string }): Promise<FakeNotification>;
  /** Resolves with the first notification (already sent or to come) that matches. */
  notification(match: (notification: FakeNotification) => boolean): Promise<FakeNotification>;
  close(): Promise<void>;
}

class CloudinaryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NOT_SIGNED = new Set(['file', 'cloud_name', 'resource_type', 'api_key', 'signature']);
const MIME_BY_FORMAT: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  mp4: 'video/mp4',
  m3u8: 'application/vnd.apple.mpegurl',
  m4a: 'audio/mp4',
};

/**
 * A loopback stand-in for Cloudinary that speaks its wire protocols: signed multipart uploads (also chunked), explicit,
 * destroy, Admin API deletion with Basic auth, signed webhook notifications, and token-authenticated delivery. The real
 * SDK talks to it unchanged; image eager transformations are really made with sharp, other derived files are copies.
 */
export async function startFakeCloudinary(options: FakeCloudinaryOptions): Promise<FakeCloudinary> {
  const algorithm = options.signatureAlgorithm ?? 'sha1';
  const authTokenKey = options.authTokenKey ?? randomBytes(32).toString('hex');
  const now = options.now ?? Date.now;
  const dir = await mkdtemp(path.join(tmpdir(), 'fake-cloudinary-'));
  const requests: FakeRequest[] = [];
  const notifications: FakeNotification[] = [];
  const assets = new Map<string, FakeAsset>();
  const failures = new Map<FakeFailureKind, { count: number; status: number }>();
  const chunked = new Map<string, { file: string; received: number }>();
  const waiters: Array<{ match: (n: FakeNotification) => boolean; resolve: (n: FakeNotification) => void }> = [];
  const pending = new Set<Promise<unknown>>();
  let origin = '';

  const seconds = () => Math.floor(now() / 1000);
  const hash = (input: string, algo: string = algorithm) => createHash(algo).update(input).digest('hex');

  function takeFailure(kind: FakeFailureKind): void {
    const failure = failures.get(kind);
    if (!failure || failure.count <= 0) return;
    failure.count -= 1;
    throw new CloudinaryError(failure.status, `Injected ${kind} failure`);
  }

  function verifySigned(params: Record<string, string>): void {
    if (!params.api_key) throw new CloudinaryError(401, 'Must supply api_key');
    if (params.api_key !== options.apiKey) throw new CloudinaryError(401, `Unknown API key ${params.api_key}`);
    if (!params.timestamp) throw new CloudinaryError(400, 'Missing required parameter - timestamp');
    if (!params.signature) throw new CloudinaryError(400, 'Missing required parameter - signature');
    const reported = Number(params.timestamp);
    if (seconds() - reported > 3600) {
      const time = new Date(reported * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' +0000');
      throw new CloudinaryError(400, `Stale request - reported time is ${time} which is more than 1 hour ago`);
    }
    const toSign = Object.entries(params)
      .filter(([key, value]) => !NOT_SIGNED.has(key) && value !== '')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`.replace(/&/g, '%26'))
      .join('&');
    const algo = params.signature.length === 64 ? 'sha256' : 'sha1';
    const valid = !(algorithm === 'sha256' && algo === 'sha1') && safeEqual(params.signature, hash(toSign + options.apiSecret, algo));
    if (!valid) throw new CloudinaryError(401, `Invalid Signature ${params.signature}. String to sign - '${toSign}'.`);
  }

  function deliveryUrl(asset: FakeAsset, transformation: string | null, format: string | undefined): string {
    const parts = [origin, options.cloudName, asset.resource_type, asset.type];
    if (transformation) parts.push(transformation);
    parts.push(`v${asset.version}`, format ? `${asset.publicId}.${format}` : asset.publicId);
    return parts.join('/');
  }

  function assetInfo(asset: FakeAsset): Record<string, unknown> {
    const url = deliveryUrl(asset, null, asset.format);
    return {
      asset_id: hash(`${asset.resource_type}/${asset.type}/${asset.publicId}`, 'md5'),
      public_id: asset.publicId,
      version: asset.version,
      version_id: hash(`${asset.publicId}@${asset.version}`, 'md5'),
      signature: hash(`public_id=${asset.publicId}&version=${asset.version}${options.apiSecret}`),
      ...(asset.width !== undefined ? { width: asset.width, height: asset.height } : {}),
      ...(asset.format ? { format: asset.format } : {}),
      resource_type: asset.resource_type,
      created_at: new Date(asset.version * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      tags: [],
      bytes: asset.bytes,
      type: asset.type,
      placeholder: false,
      url,
      secure_url: url,
    };
  }

  async function makeDerived(asset: FakeAsset, transformation: string): Promise<FakeDerived> {
    const components = transformation.split('/');
    const format = components.length > 1 && !components.at(-1)!.includes('_') ? components.pop()! : (asset.format ?? 'bin');
    const file = path.join(dir, `${randomUUID()}.${format}`);
    if (asset.resource_type !== 'image') {
      await copyFile(asset.file, file);
      return { transformation, format, file, bytes: (await stat(file)).size };
    }
    let image = sharp(asset.file);
    for (const component of components) {
      const p = Object.fromEntries(
        component.split(',').map((pair) => [pair.slice(0, pair.indexOf('_')), pair.slice(pair.indexOf('_') + 1)]),
      );
      const width = p.w ? Number(p.w) : undefined;
      const height = p.h ? Number(p.h) : undefined;
      if (p.c === 'fill') {
        image = image.resize(width, height, { fit: 'cover', position: p.g === 'auto' ? sharp.strategy.attention : 'centre' });
      } else if (p.c === 'limit' || p.c === 'fit') {
        image = image.resize(width, height, { fit: 'inside', withoutEnlargement: p.c === 'limit' });
      } else if (width || height) {
        image = image.resize(width, height, { fit: 'fill' });
      }
      image = sharp(await image.toBuffer());
    }
    const info = await image.toFormat(format === 'jpg' ? 'jpeg' : (format as keyof FormatEnum)).toFile(file);
    return { transformation, format, file, bytes: info.size, width: info.width, height: info.height };
  }

  async function runEager(asset: FakeAsset, eager: string[]): Promise<Array<Record<string, unknown>>> {
    const results: Array<Record<string, unknown>> = [];
    for (const transformation of eager) {
      const derived = await makeDerived(asset, transformation);
      asset.derived = asset.derived.filter((d) => d.transformation !== transformation).concat(derived);
      const url = deliveryUrl(asset, transformation.slice(0, transformation.length - derived.format.length - 1), derived.format);
      results.push({
        transformation,
        ...(derived.width !== undefined ? { width: derived.width, height: derived.height } : {}),
        bytes: derived.bytes,
        format: derived.format,
        url,
        secure_url: url,
      });
    }
    return results;
  }

  function record(notification: FakeNotification): FakeNotification {
    notifications.push(notification);
    for (const waiter of [...waiters]) {
      if (waiter.match(notification)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(notification);
      }
    }
    return notification;
  }

  async function sendNotification(
    url: string,
    body: string | object,
    override: { timestamp?: string; signature?: string } = {},
  ): Promise<FakeNotification> {
    const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = override.timestamp ?? String(seconds());
    const signature = override.signature ?? hash(rawBody + timestamp + options.apiSecret);
    let status: number | null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Cld-Timestamp': timestamp, 'X-Cld-Signature': signature },
        body: rawBody,
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = null;
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    return record({
      kind: String(parsed.notification_type ?? 'unknown'),
      url,
      rawBody,
      body: parsed,
      headers: { 'x-cld-timestamp': timestamp, 'x-cld-signature': signature },
      status,
    });
  }

  function later(task: () => Promise<unknown>): void {
    const run = new Promise((resolve) => setTimeout(resolve, options.notificationDelayMs ?? 0)).then(task).catch(() => undefined);
    pending.add(run);
    void run.finally(() => pending.delete(run));
  }

  function notifyEager(asset: FakeAsset, eager: string[], url: string): void {
    later(async () => {
      const results = await runEager(asset, eager);
      await sendNotification(url, {
        notification_type: 'eager',
        eager: results,
        public_id: asset.publicId,
        batch_id: randomBytes(32).toString('hex'),
        asset_id: assetInfo(asset).asset_id,
        notification_context: { triggered_at: new Date(now()).toISOString(), triggered_by: { source: 'api', id: options.apiKey } },
      });
    });
  }

  async function finishUpload(resourceType: string, params: Record<string, string>, file: string, filename: string) {
    const type = params.type || 'upload';
    const publicId = [params.folder, params.public_id || randomBytes(10).toString('hex')].filter(Boolean).join('/');
    let format: string | undefined;
    let width: number | undefined;
    let height: number | undefined;
    if (resourceType === 'image') {
      try {
        const metadata = await sharp(file).metadata();
        format = metadata.format === 'jpeg' ? 'jpg' : metadata.format === 'heif' ? 'avif' : metadata.format;
        width = metadata.width;
        height = metadata.height;
      } catch {
        throw new CloudinaryError(400, 'Invalid image file');
      }
    } else if (resourceType === 'video') {
      format = path.extname(filename).slice(1).toLowerCase() || 'mp4';
    }
    if (params.allowed_formats && format && !params.allowed_formats.split(',').includes(format)) {
      throw new CloudinaryError(400, `${resourceType === 'image' ? 'Image' : 'Video'} file format ${format} not allowed`);
    }
    const previous = assets.get(publicId);
    const asset: FakeAsset = {
      publicId,
      type,
      resource_type: resourceType,
      format,
      version: Math.max(seconds(), (previous?.version ?? 0) + 1),
      bytes: (await stat(file)).size,
      ...(width !== undefined ? { width, height } : {}),
      file,
      derived: [],
    };
    assets.set(publicId, asset);
    const eager = params.eager ? params.eager.split('|') : [];
    const eagerAsync = ['true', '1'].includes(params.eager_async ?? '');
    const response: Record<string, unknown> = {
      ...assetInfo(asset),
      original_filename: path.parse(filename).name,
      api_key: options.apiKey,
    };
    if (eager.length > 0) {
      response.eager = eagerAsync
        ? eager.map((transformation) => ({ transformation, status: 'processing' }))
        : await runEager(asset, eager);
    }
    if (params.notification_url) {
      const notificationUrl = params.notification_url;
      later(() => sendNotification(notificationUrl, { notification_type: 'upload', ...response, asset_folder: params.folder ?? '' }));
    }
    const eagerUrl = params.eager_notification_url || params.notification_url;
    if (eager.length > 0 && eagerAsync && eagerUrl) notifyEager(asset, eager, eagerUrl);
    return response;
  }

  async function handleUpload(
    req: IncomingMessage,
    resourceType: string,
    params: Record<string, string>,
    file: Buffer | null,
    filename: string,
  ) {
    takeFailure('upload');
    verifySigned(params);
    if (!file) throw new CloudinaryError(400, 'Missing required parameter - file');
    const uploadId = req.headers['x-unique-upload-id'];
    const range = /^bytes (\d+)-(\d+)\/(-?\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (typeof uploadId !== 'string' || !range) {
      const stored = path.join(dir, randomUUID());
      await writeFile(stored, file);
      return finishUpload(resourceType, params, stored, filename);
    }
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (end - start + 1 !== file.length) throw new CloudinaryError(400, 'Content-Range does not match the chunk size');
    const state = chunked.get(uploadId) ?? { file: path.join(dir, `chunked-${randomUUID()}`), received: 0 };
    chunked.set(uploadId, state);
    const handle = await open(state.file, state.received === 0 ? 'w' : 'r+');
    try {
      await handle.write(file, 0, file.length, start);
    } finally {
      await handle.close();
    }
    state.received += file.length;
    if (total < 0 || state.received < total) return { done: false, bytes: state.received };
    chunked.delete(uploadId);
    return finishUpload(resourceType, params, state.file, filename);
  }

  function explicit(resourceType: string, params: Record<string, string>) {
    verifySigned(params);
    const asset = assets.get(params.public_id ?? '');
    if (!asset || asset.resource_type !== resourceType || asset.type !== (params.type || 'upload')) {
      throw new CloudinaryError(404, `Resource not found - ${params.public_id}`);
    }
    const eager = params.eager ? params.eager.split('|') : [];
    const url = params.eager_notification_url || params.notification_url;
    if (eager.length > 0 && url) notifyEager(asset, eager, url);
    return { ...assetInfo(asset), eager: eager.map((transformation) => ({ transformation, status: 'processing' })) };
  }

  async function removeAsset(asset: FakeAsset): Promise<number> {
    assets.delete(asset.publicId);
    await Promise.all([asset.file, ...asset.derived.map((d) => d.file)].map((file) => rm(file, { force: true })));
    return asset.derived.length;
  }

  async function destroy(resourceType: string, params: Record<string, string>) {
    takeFailure('destroy');
    verifySigned(params);
    const asset = assets.get(params.public_id ?? '');
    if (!asset || asset.resource_type !== resourceType || asset.type !== (params.type || 'upload')) return { result: 'not found' };
    await removeAsset(asset);
    return { result: 'ok' };
  }

  async function deleteResources(req: IncomingMessage, resourceType: string, type: string, form: URLSearchParams) {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [key, secret] = Buffer.from(encoded ?? '', 'base64')
      .toString()
      .split(':');
    if (scheme !== 'Basic' || key !== options.apiKey || secret !== options.apiSecret) throw new CloudinaryError(401, 'Invalid credentials');
    takeFailure('delete_resources');
    const deleted: Record<string, string> = {};
    const counts: Record<string, { original: number; derived: number }> = {};
    for (const publicId of form.getAll('public_ids[]')) {
      const asset = assets.get(publicId);
      if (!asset || asset.resource_type !== resourceType || asset.type !== type) {
        deleted[publicId] = 'not_found';
        counts[publicId] = { original: 0, derived: 0 };
      } else {
        counts[publicId] = { original: 1, derived: await removeAsset(asset) };
        deleted[publicId] = 'deleted';
      }
    }
    return { deleted, deleted_counts: counts, partial: false };
  }

  function checkToken(rawQuery: string, pathname: string): string | null {
    const raw = /(?:^|&)__cld_token__=([^&]*)/.exec(rawQuery)?.[1];
    if (!raw) return 'missing token';
    const parts = raw.split('~');
    const fields = Object.fromEntries(parts.map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));
    if (!fields.exp || !fields.hmac) return 'malformed token';
    const signed = parts.filter((part) => !part.startsWith('hmac='));
    if (!fields.acl) signed.push(`url=${escapeToLower(pathname)}`);
    const expected = createHmac('sha256', Buffer.from(authTokenKey, 'hex')).update(signed.join('~')).digest('hex');
    if (!safeEqual(fields.hmac, expected)) return 'bad token signature';
    if (
      fields.acl &&
      !decodeURIComponent(fields.acl)
        .split('!')
        .some((acl) => globMatches(acl, pathname))
    )
      return 'path not in token acl';
    if (fields.st && seconds() < Number(fields.st)) return 'token not yet valid';
    if (seconds() >= Number(fields.exp)) return 'token expired';
    return null;
  }

  async function deliver(req: IncomingMessage, res: ServerResponse, pathname: string, rawQuery: string): Promise<number> {
    const segments = pathname.split('/').slice(1);
    const [cloud, resourceType, type, ...rest] = segments;
    const refuse = (status: number, reason: string) => {
      res.writeHead(status, { 'X-Cld-Error': reason, 'Content-Type': 'text/plain' }).end(reason);
      return status;
    };
    if (cloud !== options.cloudName || !resourceType || !type) return refuse(404, 'Resource not found');
    if (type === 'authenticated') {
      const reason = checkToken(rawQuery, pathname);
      if (reason) return refuse(401, reason);
    }
    const versionAt = rest.findIndex((segment) => /^v\d+$/.test(segment));
    const transformation = versionAt > 0 ? rest.slice(0, versionAt).join('/') : '';
    const source = decodeURIComponent(rest.slice(versionAt + 1).join('/'));
    const extension = path.extname(source).slice(1);
    const asset = assets.get(source) ?? assets.get(source.slice(0, source.length - extension.length - 1));
    if (!asset || asset.resource_type !== resourceType || asset.type !== type) return refuse(404, 'Resource not found');
    const derived = transformation ? asset.derived.find((d) => d.transformation === `${transformation}/${extension}`) : undefined;
    if (transformation && !derived) return refuse(404, 'Derived resource not found');
    const body = await readFile(derived?.file ?? asset.file);
    res
      .writeHead(200, { 'Content-Type': MIME_BY_FORMAT[extension] ?? 'application/octet-stream', 'Content-Length': body.length })
      .end(body);
    return 200;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const rawQuery = (req.url ?? '').split('?')[1] ?? '';
    const entry: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, params: {}, headers: req.headers, status: 0 };
    requests.push(entry);
    try {
      if (req.method === 'GET') {
        entry.status = await deliver(req, res, url.pathname, rawQuery);
        return;
      }
      const admin = /^\/v1_1\/([^/]+)\/resources\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      const api = /^\/v1_1\/([^/]+)\/([^/]+)\/(upload|explicit|destroy)$/.exec(url.pathname);
      let result: unknown;
      if (admin && req.method === 'DELETE' && admin[1] === options.cloudName) {
        const form = new URLSearchParams((await readBody(req)).toString());
        entry.params = formParams(form);
        result = await deleteResources(req, admin[2]!, admin[3]!, form);
      } else if (api && req.method === 'POST' && api[1] === options.cloudName) {
        const { fields, file, filename } = await readMultipart(req);
        entry.params = fields;
        const [resourceType, action] = [api[2]!, api[3]!];
        if (action === 'upload') result = await handleUpload(req, resourceType, fields, file, filename);
        else if (action === 'explicit') result = explicit(resourceType, fields);
        else result = await destroy(resourceType, fields);
      } else {
        throw new CloudinaryError(404, `Unknown route ${req.method} ${url.pathname}`);
      }
      entry.status = 200;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      entry.status = error instanceof CloudinaryError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) res.writeHead(entry.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message } }));
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const host = origin.slice('http://'.length);

  return {
    origin,
    cloudinaryUrl: `cloudinary://${options.apiKey}:${options.apiSecret}@${options.cloudName}?upload_prefix=${origin}&secure=false&cname=${host}`,
    authTokenKey,
    requests,
    notifications,
    assets,
    failNext(kind, count, status) {
      failures.set(kind, { count, status });
    },
    sendNotification,
    notification(match) {
      const sent = notifications.find(match);
      if (sent) return Promise.resolve(sent);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    async close() {
      await Promise.allSettled([...pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given.toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The SDK's escaping of token `url`/`acl` values (auth_token.js): unsafe characters as lower-case %xx. */
function escapeToLower(value: string): string {
  return value.replace(/([ "#%&'/:;<=>?@[\]^`{|}~]+)/g, (run) =>
    [...run].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
  );
}

function globMatches(pattern: string, value: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${source.join('.*')}$`).test(value);
}

function formParams(form: URLSearchParams): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) params[key] = key.endsWith('[]') ? form.getAll(key) : (form.get(key) ?? '');
  return params;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function readMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; file: Buffer | null; filename: string }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Buffer | null = null;
    let filename = 'file';
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: 100 * 1024 * 1024 } });
    } catch {
      reject(new CloudinaryError(400, 'Expected a multipart/form-data request'));
      return;
    }
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      filename = info.filename || 'file';
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        file = Buffer.concat(chunks);
      });
    });
    parser.on('close', () => resolve({ fields, file, filename }));
    parser.on('error', (error) => reject(new CloudinaryError(400, `Malformed multipart body: ${String(error)}`)));
    req.pipe(parser);
  });
}
