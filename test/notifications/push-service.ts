import { execFileSync } from 'node:child_process';
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One request the push service received, as the test reads it. */
export interface PushRecord {
  /** The subscription's id: the last segment of its endpoint. */
  id: string;
  /** What the service answered. */
  status: number;
  at: number;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  /** The VAPID public key the sender identified itself with (`k=`). */
  vapidKey: string;
  /** The decrypted payload, parsed. */
  payload: Record<string, unknown>;
}

/** A browser's subscription at this push service, with the keys only the browser would hold. */
export interface TestSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** How long the service takes to answer, as a slow push service would. */
  delayMs?: number;
}

interface Waiter {
  select: () => PushRecord[];
  count: number;
  resolve(records: PushRecord[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A Web Push service on loopback HTTPS (a self-signed certificate made with openssl) that does
 * what a real one does with a push: checks the VAPID token (ES256 signature with the key it
 * names, audience = this origin, not expired), decrypts the aes128gcm body (RFC 8188/8291) with
 * the subscription's private key and auth secret, and records it. Tests script its answers
 * (410, 429 with Retry-After, 500) per subscription and wait for what it receives.
 */
export class LoopbackPushService {
  private readonly browsers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  private readonly answers = new Map<string, Answer[]>();
  private readonly records: PushRecord[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly listeners: Array<(record: PushRecord) => void> = [];
  /** Requests the service refused as malformed (bad VAPID, undecryptable): a test expects none. */
  readonly refused: string[] = [];
  /** Authorization headers already verified, with their expiry (s): senders reuse a token for hours, as push services expect. */
  private readonly verified = new Map<string, { key: string; exp: number }>();
  private readonly server: Server;
  /** The service's self-signed certificate (PEM), for the sender's trust store. */
  readonly certificate: string;
  private readonly decryptOnRead: boolean;

  // Plain fields, no parameter properties: the push benchmark runs this file on Node's own type stripping.
  private constructor(server: Server, certificate: string, decryptOnRead: boolean) {
    this.server = server;
    this.certificate = certificate;
    this.decryptOnRead = decryptOnRead;
  }

  /**
   * @param options.decrypt `'on-receipt'` (the default) decrypts each push as it arrives and
   *   refuses one that does not decrypt; `'on-read'` keeps the body and decrypts when `payload`
   *   is first read — a real push service never decrypts (only the browser can), and the push
   *   benchmark must not spend the machine's CPU doing it while it measures.
   */
  static async start(options: { decrypt?: 'on-receipt' | 'on-read' } = {}): Promise<LoopbackPushService> {
    const dir = mkdtempSync(path.join(tmpdir(), 'chirpchat-push-'));
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'].concat(
          ['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
          ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        ),
        { stdio: 'ignore' },
      );
      const key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
      const cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      const server = createServer({ key, cert });
      const service = new LoopbackPushService(server, cert, options.decrypt === 'on-read');
      server.on('request', (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const { status, headers, delayMs } = service.receive(req.method, req.url ?? '', req.headers, Buffer.concat(chunks));
          if (delayMs) setTimeout(() => res.writeHead(status, headers).end(), delayMs);
          else res.writeHead(status, headers).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return service;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  get origin(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The PUSH_ENDPOINT_ALLOWLIST entry that lets the notifications subgraph reach this loopback service. */
  get allowlistEntry(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A new browser subscription: a fresh P-256 key pair and 16-byte auth secret, as PushManager.subscribe() makes. */
  subscription(): TestSubscription {
    const id = randomUUID();
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.browsers.set(id, { ecdh, auth });
    return {
      id,
      endpoint: `${this.origin}/push/${id}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    };
  }

  /** How the service answers the next pushes to `id`, in order; after these, 201 Created. */
  answer(id: string, ...answers: Answer[]): void {
    this.answers.set(id, [...(this.answers.get(id) ?? []), ...answers]);
  }

  /** Calls `listener` with every push the service records, as it arrives. */
  onRecord(listener: (record: PushRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Every push received for `id` (all answers, in order of arrival). */
  received(id: string): PushRecord[] {
    return this.records.filter((record) => record.id === id);
  }

  /** Pushes for `id` the service accepted (201). */
  delivered(id: string): PushRecord[] {
    return this.received(id).filter((record) => record.status === 201);
  }

  /** Resolves with the accepted pushes for `id` once there are `count` of them. */
  waitForDelivered(id: string, count = 1, timeoutMs = 20_000): Promise<PushRecord[]> {
    return this.waitFor(() => this.delivered(id), count, timeoutMs, `accepted pushes for ${id}`);
  }

  /** Resolves with the pushes for `id`, whatever the answer, once there are `count` of them. */
  waitForReceived(id: string, count = 1, timeoutMs = 20_000): Promise<PushRecord[]> {
    return this.waitFor(() => this.received(id), count, timeoutMs, `pushes for ${id}`);
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('push service closed'));
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(method: string | undefined, url: string, headers: Record<string, string | string[] | undefined>, body: Buffer): Answer {
    const id = /^\/push\/([0-9a-f-]{36})$/.exec(url)?.[1];
    const browser = id && this.browsers.get(id);
    if (method !== 'POST' || !id || !browser) return { status: 404 };
    let vapidKey: string;
    let payload: Record<string, unknown> | undefined;
    const open = () => JSON.parse(decrypt(body, browser.ecdh, browser.auth).toString('utf8')) as Record<string, unknown>;
    try {
      vapidKey = this.verifyVapid(String(headers.authorization ?? ''));
      if (headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${String(headers['content-encoding'])}`);
      if (!this.decryptOnRead) payload = open();
    } catch (error) {
      this.refused.push(`${id}: ${(error as Error).message}`);
      return { status: 400 };
    }
    const answer = this.answers.get(id)?.shift() ?? { status: 201 };
    const record: PushRecord = {
      id,
      status: answer.status,
      at: Date.now(),
      ttl: Number(headers.ttl),
      urgency: headers.urgency as string | undefined,
      topic: headers.topic as string | undefined,
      vapidKey,
      get payload() {
        return (payload ??= open());
      },
    };
    this.records.push(record);
    for (const listener of this.listeners) listener(record);
    this.settleWaiters();
    return answer;
  }

  /** Checks `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292); returns the key. */
  private verifyVapid(authorization: string): string {
    const known = this.verified.get(authorization);
    if (known && known.exp > Date.now() / 1000) return known.key;
    const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization);
    if (!match) throw new Error('no VAPID authorization');
    const [token, key] = [match[1]!, match[2]!];
    const point = Buffer.from(key, 'base64url');
    if (point.length !== 65 || point[0] !== 4) throw new Error('VAPID key is not an uncompressed P-256 point');
    const publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const signed = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) throw new Error('VAPID signature does not verify');
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const { aud, exp, sub } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
    if (alg !== 'ES256') throw new Error(`VAPID alg ${alg}`);
    if (aud !== this.origin) throw new Error(`VAPID audience ${aud}`);
    const now = Date.now() / 1000;
    if (typeof exp !== 'number' || exp <= now || exp > now + 24 * 3600) throw new Error(`VAPID expiry ${exp}`);
    if (!sub || !/^(mailto:|https:)/.test(sub)) throw new Error(`VAPID subject ${sub}`);
    this.verified.set(authorization, { key, exp });
    return key;
  }

  private waitFor(select: () => PushRecord[], count: number, timeoutMs: number, what: string): Promise<PushRecord[]> {
    const ready = select();
    if (ready.length >= count) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`push service: ${select().length} of ${count} ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = { select, count, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  private settleWaiters(): void {
    for (const waiter of [...this.waiters]) {
      const records = waiter.select();
      if (records.length < waiter.count) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      waiter.resolve(records);
    }
  }
}

/**
 * Decrypts an aes128gcm Web Push body as the browser does (RFC 8188 framing, RFC 8291 keys):
 * header = salt(16) | record size(4) | key id length(1) | key id (the sender's ephemeral public key).
 */
function decrypt(body: Buffer, receiver: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const shared = receiver.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiver.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last (only) record ends with the delimiter 0x02 and optional zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('aes128gcm: no last-record delimiter');
  return padded.subarray(0, end);
}
