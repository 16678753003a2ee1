import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import cloudinary from 'cloudinary';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCloudinaryStore,
  EAGER_VARIANTS,
  parseCloudinaryUrl,
  variantForTransformation,
  type MediaKindName,
  type MediaStore,
  type StoredMedia,
  type StoredVariant,
} from '@chirpchat/media/stores';
import { startFakeCloudinary, type FakeCloudinary } from '../support/fake-cloudinary.js';

const sdk = cloudinary.v2;
/** The SDK's eager builder: exported at runtime, missing from its typings. */
const buildEager = (sdk.utils as unknown as { build_eager(transformations: string[]): string }).build_eager;
const account = { apiKey: '614335564976464', apiSecret: 'a676b67565c6767a6767d6767f676fe1', cloudName: 'chirpchat-test' };
const WINDOW_SECONDS = 300;

interface Received {
  rawBody: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

/** Our side of the webhook: records every POST with its raw body, as the real handler must verify it. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  next(match: (r: Received) => boolean): Promise<Received>;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const waiters: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const entry = { rawBody, headers: req.headers, body: JSON.parse(rawBody) as Record<string, any> };
      received.push(entry);
      for (const waiter of waiters.filter((w) => w.match(entry))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/cloudinary/media-processed`,
    received,
    next(match) {
      const found = received.find(match);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

describe('Cloudinary store against a loopback Cloudinary', () => {
  let clockOffsetMs = 0;
  const clock = () => Date.now() + clockOffsetMs;
  let fake: FakeCloudinary;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let store: MediaStore;
  let workDir: string;
  let photo: Buffer;

  beforeAll(async () => {
    fake = await startFakeCloudinary({ ...account, now: clock });
    receiver = await startReceiver();
    store = createCloudinaryStore({
      cloudinaryUrl: fake.cloudinaryUrl,
      authTokenKey: fake.authTokenKey,
      notificationUrl: receiver.url,
      now: clock,
    });
    // The SDK's own verifyNotificationSignature reads the secret from its global config only.
    sdk.config({ api_secret: account.apiSecret });
    workDir = await mkdtemp(path.join(tmpdir(), 'cloudinary-store-'));
    photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: { r: 200, g: 80, b: 40 } } })
      .png()
      .toBuffer();
  });

  afterAll(async () => {
    await fake?.close();
    await receiver?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  function ticket(kind: MediaKindName, mimeType: string, bytes: number, targetStore: MediaStore = store) {
    const id = randomUUID();
    return { id, upload: targetStore.createUpload({ id, kind, mimeType, bytes, maxBytes: bytes }) };
  }

  async function postForm(uploadUrl: string, fields: Record<string, string>, file: Buffer, filename: string): Promise<Response> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(file)]), filename);
    return fetch(uploadUrl, { method: 'POST', body: form });
  }

  /** Uploads through a ticket as a browser would and waits for Cloudinary's eager notification. */
  async function uploadMedia(kind: MediaKindName, mimeType: string, file: Buffer, filename: string): Promise<StoredMedia> {
    const { id, upload } = ticket(kind, mimeType, file.length);
    const response = await postForm(upload.uploadUrl, upload.fields, file, filename);
    expect(response.status).toBe(200);
    const result = (await response.json()) as { public_id: string; format?: string };
    const eager = await receiver.next((r) => r.body.notification_type === 'eager' && r.body.public_id === result.public_id);
    const variants: StoredMedia['variants'] = {};
    for (const entry of eager.body.eager as Array<StoredVariant & { transformation: string }>) {
      const name = variantForTransformation(kind, entry.transformation);
      if (name) variants[name] = { transformation: entry.transformation, format: entry.format, width: entry.width, height: entry.height };
    }
    return { id, kind, mimeType, publicId: result.public_id, variants, format: result.format ?? null };
  }

  it('signs upload tickets so that the SDK’s own api_sign_request verifies them', () => {
    const before = Math.floor(Date.now() / 1000);
    const { id, upload } = ticket('IMAGE', 'image/png', 1000);
    const { signature, api_key: apiKey, ...signed } = upload.fields;

    expect(signature).toBe(sdk.utils.api_sign_request(signed, account.apiSecret));
    expect(apiKey).toBe(account.apiKey);
    expect(upload.uploadUrl).toBe(`${fake.origin}/v1_1/${account.cloudName}/image/upload`);
    expect(signed).toMatchObject({
      public_id: id,
      folder: 'chirpchat',
      type: 'authenticated',
      eager: buildEager(Object.values(EAGER_VARIANTS.IMAGE)),
      eager_async: 'true',
      notification_url: receiver.url,
      eager_notification_url: receiver.url,
      allowed_formats: 'jpg,png,webp,gif,avif',
    });
    expect(Number(signed.timestamp)).toBeGreaterThanOrEqual(before);
    expect(upload.expiresAt.getTime()).toBe((Number(signed.timestamp) + 3600) * 1000);
  });

  it('sends video and audio to the video resource type and documents to raw, without eager work for documents', () => {
    expect(ticket('VIDEO', 'video/mp4', 10).upload.uploadUrl).toMatch(/\/video\/upload$/);
    expect(ticket('AUDIO', 'audio/mpeg', 10).upload.uploadUrl).toMatch(/\/video\/upload$/);
    const document = ticket('DOCUMENT', 'application/pdf', 10).upload;
    expect(document.uploadUrl).toMatch(/\/raw\/upload$/);
    expect(document.fields).not.toHaveProperty('eager');
    expect(document.fields).not.toHaveProperty('allowed_formats');
  });

  it('accepts a browser-like upload of the ticket, then posts upload and eager notifications that both verifiers accept', async () => {
    const { id, upload } = ticket('IMAGE', 'image/png', photo.length);
    const response = await postForm(upload.uploadUrl, upload.fields, photo, 'holiday.png');
    expect(response.status).toBe(200);
    const result = (await response.json()) as Record<string, any>;
    expect(result).toMatchObject({
      public_id: `chirpchat/${id}`,
      type: 'authenticated',
      format: 'png',
      width: 1200,
      height: 900,
      bytes: photo.length,
    });

    const uploaded = await receiver.next((r) => r.body.notification_type === 'upload' && r.body.public_id === `chirpchat/${id}`);
    const eager = await receiver.next((r) => r.body.notification_type === 'eager' && r.body.public_id === `chirpchat/${id}`);
    for (const notification of [uploaded, eager]) {
      const timestamp = header(notification.headers, 'x-cld-timestamp');
      const signature = header(notification.headers, 'x-cld-signature');
      expect(store.verifyNotification(notification.rawBody, timestamp, signature, WINDOW_SECONDS)).toBe(true);
      expect(sdk.utils.verifyNotificationSignature(notification.rawBody, Number(timestamp), signature!)).toBe(true);
    }
    const made = Object.fromEntries((eager.body.eager as Array<Record<string, any>>).map((e) => [e.transformation, e]));
    expect(made[EAGER_VARIANTS.IMAGE.thumbnail!]).toMatchObject({ width: 250, height: 250, format: 'jpg' });
    expect(made[EAGER_VARIANTS.IMAGE.preview!]).toMatchObject({ width: 800, height: 600, format: 'webp' });
  });

  it('refuses a ticket whose signed fields were altered, with Cloudinary’s invalid-signature error', async () => {
    const { id, upload } = ticket('IMAGE', 'image/png', photo.length);
    for (const altered of [
      { ...upload.fields, type: 'upload' },
      { ...upload.fields, public_id: `${id}-other` },
    ]) {
      const response = await postForm(upload.uploadUrl, altered, photo, 'holiday.png');
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
        /^Invalid Signature [0-9a-f]+\. String to sign - '/,
      );
    }
    expect([...fake.assets.keys()].some((key) => key.includes(id))).toBe(false);
  });

  it('refuses a ticket signed more than an hour ago as a stale request', async () => {
    const lateStore = createCloudinaryStore({
      cloudinaryUrl: fake.cloudinaryUrl,
      authTokenKey: fake.authTokenKey,
      notificationUrl: receiver.url,
      now: () => Date.now() - 3601 * 1000,
    });
    const { upload } = ticket('IMAGE', 'image/png', photo.length, lateStore);
    const response = await postForm(upload.uploadUrl, upload.fields, photo, 'holiday.png');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /^Stale request - reported time is \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 which is more than 1 hour ago$/,
    );
  });

  it('assembles a chunked upload from the SDK’s upload_chunked in the right order', async () => {
    const file = path.join(workDir, 'big.bin');
    const bytes = randomBytes(6 * 1024 * 1024);
    await writeFile(file, bytes);
    const publicId = `big-${randomUUID()}`;
    const { apiKey, apiSecret, cloudName, uploadPrefix } = parseCloudinaryUrl(fake.cloudinaryUrl);
    const result = await new Promise<Record<string, any>>((resolve, reject) => {
      sdk.uploader.upload_chunked(
        file,
        {
          resource_type: 'raw',
          type: 'authenticated',
          folder: 'chirpchat',
          public_id: publicId,
          chunk_size: 5 * 1024 * 1024,
          api_key: apiKey,
          api_secret: apiSecret,
          cloud_name: cloudName,
          upload_prefix: uploadPrefix,
          agent: new http.Agent(),
        },
        (error, value) => (error ? reject(new Error(error.message)) : resolve(value as Record<string, any>)),
      );
    });

    expect(result).toMatchObject({ public_id: `chirpchat/${publicId}`, bytes: bytes.length, resource_type: 'raw' });
    const chunks = fake.requests.filter((r) => r.path.endsWith('/raw/upload') && r.params.public_id === publicId);
    expect(chunks.map((r) => r.headers['content-range'])).toEqual(['bytes 0-5242879/-1', 'bytes 5242880-6291455/6291456']);
    expect(new Set(chunks.map((r) => r.headers['x-unique-upload-id'])).size).toBe(1);
    const assembled = await readFile(fake.assets.get(`chirpchat/${publicId}`)!.file);
    expect(createHash('sha256').update(assembled).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('re-runs eager work on the SDK’s explicit call and removes the asset on its destroy call', async () => {
    const media = await uploadMedia('IMAGE', 'image/png', photo, 'holiday.png');
    const { apiKey, apiSecret, cloudName, uploadPrefix } = parseCloudinaryUrl(fake.cloudinaryUrl);
    const api = { api_key: apiKey, api_secret: apiSecret, cloud_name: cloudName, upload_prefix: uploadPrefix, agent: new http.Agent() };
    const target = { ...api, resource_type: 'image' as const, type: 'authenticated' as const };

    await sdk.uploader.explicit(media.publicId, {
      ...target,
      eager: [EAGER_VARIANTS.IMAGE.thumbnail!],
      eager_async: true,
      eager_notification_url: receiver.url,
    });
    const rerun = await receiver.next(
      (r) => r.body.notification_type === 'eager' && r.body.public_id === media.publicId && r.body.eager.length === 1,
    );
    expect(
      store.verifyNotification(rerun.rawBody, header(rerun.headers, 'x-cld-timestamp'), header(rerun.headers, 'x-cld-signature'), 60),
    ).toBe(true);

    expect(await sdk.uploader.destroy(media.publicId, target)).toEqual({ result: 'ok' });
    expect(await sdk.uploader.destroy(media.publicId, target)).toEqual({ result: 'not found' });
    await expect(sdk.uploader.explicit(media.publicId, target)).rejects.toMatchObject({ http_code: 404 });
  });

  describe('verifyNotification', () => {
    async function sent(override: { timestamp?: string; signature?: string } = {}) {
      const body = { notification_type: 'eager', public_id: `chirpchat/${randomUUID()}`, eager: [] };
      await fake.sendNotification(receiver.url, body, override);
      const received = await receiver.next((r) => r.body.public_id === body.public_id);
      return {
        rawBody: received.rawBody,
        timestamp: header(received.headers, 'x-cld-timestamp'),
        signature: header(received.headers, 'x-cld-signature'),
      };
    }

    it('accepts a notification signed as Cloudinary signs it', async () => {
      const n = await sent();
      expect(store.verifyNotification(n.rawBody, n.timestamp, n.signature, WINDOW_SECONDS)).toBe(true);
    });

    it('refuses a forged signature and a body changed after signing', async () => {
      const n = await sent();
      const forged = n.signature!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      expect(store.verifyNotification(n.rawBody, n.timestamp, forged, WINDOW_SECONDS)).toBe(false);
      expect(store.verifyNotification(n.rawBody.replace('eager', 'upload'), n.timestamp, n.signature, WINDOW_SECONDS)).toBe(false);
    });

    it('refuses a correctly signed notification whose timestamp is outside the window on either side', async () => {
      const nowSeconds = Math.floor(Date.now() / 1000);
      const stale = await sent({ timestamp: String(nowSeconds - WINDOW_SECONDS - 60) });
      const future = await sent({ timestamp: String(nowSeconds + WINDOW_SECONDS + 60) });
      expect(sdk.utils.verifyNotificationSignature(future.rawBody, Number(future.timestamp), future.signature!)).toBe(true);
      expect(store.verifyNotification(stale.rawBody, stale.timestamp, stale.signature, WINDOW_SECONDS)).toBe(false);
      expect(store.verifyNotification(future.rawBody, future.timestamp, future.signature, WINDOW_SECONDS)).toBe(false);
    });

    it('refuses missing or garbled headers', async () => {
      const n = await sent();
      expect(store.verifyNotification(n.rawBody, undefined, n.signature, WINDOW_SECONDS)).toBe(false);
      expect(store.verifyNotification(n.rawBody, n.timestamp, undefined, WINDOW_SECONDS)).toBe(false);
      expect(store.verifyNotification(n.rawBody, `${n.timestamp}.5`, n.signature, WINDOW_SECONDS)).toBe(false);
      expect(store.verifyNotification(n.rawBody, n.timestamp, `${n.signature}zz`, WINDOW_SECONDS)).toBe(false);
      expect(store.verifyNotification(n.rawBody, n.timestamp, n.signature!.slice(2), WINDOW_SECONDS)).toBe(false);
    });
  });

  describe('signed delivery URLs', () => {
    it('serve the original and each variant until expiresAt and are refused after', async () => {
      const media = await uploadMedia('IMAGE', 'image/png', photo, 'holiday.png');
      const expiresAt = new Date(clock() + 60_000);
      const original = store.signedUrl(media, null, expiresAt)!;
      const thumbnail = store.signedUrl(media, 'thumbnail', expiresAt)!;
      expect(original.startsWith(`${fake.origin}/${account.cloudName}/image/authenticated/`)).toBe(true);

      const originalResponse = await fetch(original);
      expect(originalResponse.status).toBe(200);
      expect(Buffer.from(await originalResponse.arrayBuffer()).equals(photo)).toBe(true);
      const thumbnailResponse = await fetch(thumbnail);
      expect(thumbnailResponse.status).toBe(200);
      expect(await sharp(Buffer.from(await thumbnailResponse.arrayBuffer())).metadata()).toMatchObject({
        format: 'jpeg',
        width: 250,
        height: 250,
      });

      clockOffsetMs = 60_000;
      try {
        expect((await fetch(original)).status).toBe(401);
        expect((await fetch(thumbnail)).status).toBe(401);
      } finally {
        clockOffsetMs = 0;
      }
    });

    it('are refused when the token is tampered with or moved to another asset', async () => {
      const media = await uploadMedia('IMAGE', 'image/png', photo, 'holiday.png');
      const url = store.signedUrl(media, 'preview', new Date(clock() + 60_000))!;
      expect((await fetch(url)).status).toBe(200);
      const tampered = url.replace(/hmac=([0-9a-f])/, (_m, c: string) => `hmac=${c === '0' ? '1' : '0'}`);
      expect((await fetch(tampered)).status).toBe(401);
      const moved = url.replace(`/c_limit,w_800/`, `/c_fill,g_auto,h_250,w_250/`).replace('.webp?', '.jpg?');
      expect(moved).not.toBe(url);
      expect((await fetch(moved)).status).toBe(401);
    });

    it('are null for a variant the media does not have', async () => {
      const media: StoredMedia = { id: 'x', kind: 'IMAGE', mimeType: 'image/png', publicId: 'chirpchat/x', variants: {}, format: 'png' };
      expect(store.signedUrl(media, 'thumbnail', new Date(clock() + 60_000))).toBeNull();
      expect(store.signedUrl(media, null, new Date(clock() + 60_000))).not.toBeNull();
    });

    it('give HLS a token whose ACL also covers the stream’s segment paths but not other assets', async () => {
      const media = await uploadMedia('VIDEO', 'video/mp4', randomBytes(2048), 'clip.mp4');
      const manifest = store.signedUrl(media, 'hls', new Date(clock() + 60_000))!;
      expect(manifest).toMatch(/\/video\/authenticated\/sp_auto\/v\d+\/chirpchat\/[^/]+\.m3u8\?__cld_token__=exp=\d+~acl=/);
      expect((await fetch(manifest)).status).toBe(200);
      const token = new URL(manifest).search;
      const base = `${fake.origin}/${account.cloudName}/video/authenticated/sp_auto`;
      expect((await fetch(`${base}/v1/${media.publicId}/segment_1.ts${token}`)).status).toBe(404);
      expect((await fetch(`${base}/v1/chirpchat/${randomUUID()}.m3u8${token}`)).status).toBe(401);
    });
  });

  describe('delete', () => {
    it('removes the asset and its derived files, and counts an asset that is already gone as done', async () => {
      const media = await uploadMedia('IMAGE', 'image/png', photo, 'holiday.png');
      const stored = fake.assets.get(media.publicId)!;
      expect(stored.derived).toHaveLength(2);
      await store.delete(media);
      expect(fake.assets.has(media.publicId)).toBe(false);
      await expect(readFile(stored.derived[0]!.file)).rejects.toThrow(/ENOENT/);
      await expect(store.delete(media)).resolves.toBeUndefined();
      const call = fake.requests.filter((r) => r.method === 'DELETE').at(-1)!;
      expect(call.path).toBe(`/v1_1/${account.cloudName}/resources/image/authenticated`);
      expect(call.params).toMatchObject({ 'public_ids[]': [media.publicId], invalidate: 'true' });
    });

    it('throws when Cloudinary fails, so that the deletion job retries', async () => {
      const media = await uploadMedia('IMAGE', 'image/png', photo, 'holiday.png');
      fake.failNext('delete_resources', 1, 500);
      await expect(store.delete(media)).rejects.toThrow(/HTTP 500/);
      expect(fake.assets.has(media.publicId)).toBe(true);
      await store.delete(media);
      expect(fake.assets.has(media.publicId)).toBe(false);
    });
  });

  describe('parseCloudinaryUrl', () => {
    it('reads credentials and options and names CLOUDINARY_URL when it is malformed', () => {
      expect(parseCloudinaryUrl('cloudinary://k:s@demo?upload_prefix=http://127.0.0.1:9&secure=false')).toMatchObject({
        cloudName: 'demo',
        apiKey: 'k',
        apiSecret: 's',
        uploadPrefix: 'http://127.0.0.1:9',
        secure: false,
        privateCdn: false,
      });
      expect(() => parseCloudinaryUrl('https://k:s@demo')).toThrow(/^CLOUDINARY_URL must start with cloudinary:\/\//);
      expect(() => parseCloudinaryUrl('cloudinary://k@demo')).toThrow(/^CLOUDINARY_URL has no API secret/);
      expect(() => parseCloudinaryUrl('not a url')).toThrow(/^CLOUDINARY_URL must be a URL/);
    });
  });
});
