import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createLogger, freePort, generateSigningKeys, type RateLimitSettings } from '@chirpchat/kit';
import { generateVapidKeys, type NotificationsOptions } from '@chirpchat/notifications';
import type { MediaOptions } from '@chirpchat/media';
import { createProduct, webDistPath, type LiveLimits, type SocketLimits } from '@chirpchat/router';
import { waitUntil } from './async.js';
import { createTestDatabase, repoRoot, testRateLimits, testRedisUrl } from './environment.js';

export { testRateLimits };

export interface Stack {
  /** The router's HTTP GraphQL endpoint. */
  url: string;
  /** The router's origin, e.g. `http://127.0.0.1:41234`: where the web app is, with `web: true`. */
  origin: string;
  /** The router's graphql-ws endpoint. */
  wsUrl: string;
  keys: { publicKey: string; privateKey: string };
  /**
   * Resolves once `userId` holds `count` live subscriptions to a root field through the router
   * (`messageAdded` by default): live means the subgraph behind it listens, so nothing sent from
   * then on is missed (no sleeping on races).
   */
  waitForSubscribers(userId: string, count?: number, field?: string): Promise<void>;
  /** How many live subscriptions to a root field (`messageAdded` by default) `userId` holds through the router now. */
  liveSubscriptions(userId: string, field?: string): number;
  /**
   * Resolves once `count` more subscriptions `field:userId` (e.g. `typing:<userId>`) have become
   * live after this call: call it in the same tick as `subscribe()`. Subscriptions of earlier
   * tests that are still being released do not count.
   */
  waitForNewSubscriptions(topic: string, count?: number): Promise<void>;
  /** Runs SQL against the stack's database, to see what is (or is no longer) stored. */
  sql<R extends pg.QueryResultRow = Record<string, any>>(text: string, params?: unknown[]): Promise<R[]>;
  /** The stack's own database, for checking what was (not) stored. */
  databaseUrl: string;
  /** The media subgraph's own GraphQL endpoint, for tests that call it directly (with `routerSecret`). */
  mediaUrl: string;
  /** The chat subgraph's own GraphQL endpoint, for tests about its `_entities` (call it with `routerSecret`). */
  chatUrl: string;
  /** The users subgraph's own GraphQL endpoint, for tests that call it directly (with `routerSecret`). */
  usersUrl: string;
  /** The secret subgraphs expect from the router. */
  routerSecret: string;
  /** Where this stack's rate limits count in Redis, for a second router that must share them. */
  rateLimitPrefix: string;
  /** Where the media subgraph's local store keeps files (`<mediaDir>/media/files/<id>/…`). */
  mediaDir: string;
  /** The media subgraph, which tests stop and start again (same port and database) to show jobs survive. */
  media: { stop(): Promise<void>; start(): Promise<void> };
  /** The notifications subgraph, which tests stop and start again (same port and database) to show nothing is lost. */
  notifications: { stop(): Promise<void>; start(): Promise<void> };
  /** The chat and users subgraphs, which fault tests stop and start again (same port and database). */
  chat: { stop(): Promise<void>; start(): Promise<void> };
  users: { stop(): Promise<void>; start(): Promise<void> };
  /** What the router was started with, for a test that starts a second router in front of the same subgraphs. */
  subgraphUrls: Record<'users' | 'chat' | 'notifications' | 'media', string>;
  close(): Promise<void>;
}

const routerSecret = 'test-router-secret-'.padEnd(40, 'x');
const silent = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Wraps a bus to count subscriptions per topic: those live now, and every one made so far. */
export interface StackOptions {
  /** When the router counts a subscriber as too slow and closes its socket. */
  live?: LiveLimits;
  accessTokenTtlSeconds?: number;
  /** How long a closed socket keeps its user ONLINE (the router's option). */
  presenceGraceMs?: number;
  /** How often the router pings each client socket (the router's option). */
  keepAliveMs?: number;
  /** Bounds on each client socket (the router's option). */
  sockets?: SocketLimits;
  /** Run as in production: internal errors and schema details hidden. @default false */
  production?: boolean;
  /** How long a `typing: true` lasts unless renewed (chat's option). */
  typingTtlMs?: number;
  /** Chat's clock for stories, so a test can move past their 24 hours. */
  clock?: () => Date;
  /** How often chat deletes expired stories. */
  storyCleanupIntervalMs?: number;
  /** Serve the built web app (web/dist) from the router, as `npm start` does; `npm test` builds it first. */
  web?: boolean;
  /** Overrides for the notifications subgraph: presence, the loopback push service's address and CA, faster timings. */
  notifications?: Partial<NotificationsOptions>;
  /** The router's port, when a test must know it before the stack starts (Cloudinary's notification URL). @default a free port */
  routerPort?: number;
  /** Overrides for the media subgraph: Cloudinary, URL lifetimes, deletion retries. */
  media?: Partial<MediaOptions>;
  /** A Redis of the test's own (one it stops to inject an outage). @default the shared test Redis */
  redisUrl?: string;
  /**
   * The rate limits (changes from the product's defaults). Tests that are not about limits get
   * `testRateLimits`: every test client comes from 127.0.0.1 and scripts faster than a person.
   * `{}` runs the product's defaults. Each stack counts under a Redis prefix of its own.
   * @default testRateLimits
   */
  rateLimits?: RateLimitSettings;
}

/** The whole product in this process (createProduct, as `npm start` runs it) against a fresh database. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const webIndex = path.join(webDistPath, 'index.html');
  if (options.web && !existsSync(webIndex)) throw new Error(`The web app is not built (${webDistPath}): run \`npm run build\` first.`);
  const database = await createTestDatabase();
  const keys = generateSigningKeys();
  const mediaDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-media-'));
  const rateLimitPrefix = `test:${randomUUID()}:limit:`;
  const product = await createProduct({
    databaseUrl: database.url,
    redisUrl: options.redisUrl ?? (await testRedisUrl()),
    keys,
    routerSecret,
    vapid: { ...generateVapidKeys(), subject: 'mailto:tests@example.com' },
    dataDir: mediaDir,
    mediaSecret: 'test-media-secret-'.padEnd(48, 'x'),
    logger: silent,
    production: options.production ?? false,
    host: '127.0.0.1',
    port: options.routerPort ?? 0,
    webApp: options.web ? webDistPath : undefined,
    rateLimits: options.rateLimits ?? testRateLimits,
    rateLimitPrefix,
    users: { accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 900 },
    chat: { typingTtlMs: options.typingTtlMs, clock: options.clock, storyCleanupIntervalMs: options.storyCleanupIntervalMs },
    notifications: options.notifications,
    media: { pollingIntervalSeconds: 1, ...options.media },
    router: { presenceGraceMs: options.presenceGraceMs, live: options.live, keepAliveMs: options.keepAliveMs, sockets: options.sockets },
  }).catch(async (error: unknown) => {
    await database.drop();
    await rm(mediaDir, { recursive: true, force: true });
    throw error;
  });
  const { live } = product;
  const { users, chat, notifications, media } = product.subgraphs;
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // A fault test terminates every connection to the database; an idle one of ours then just goes.
  pool.on('error', () => undefined);
  return {
    url: product.url,
    origin: new URL(product.url).origin,
    wsUrl: product.url.replace(/^http/, 'ws'),
    keys,
    waitForSubscribers: (userId, count = 1, field = 'messageAdded') => live.waitFor(field, userId, count),
    liveSubscriptions: (userId, field = 'messageAdded') => live.count(field, userId),
    waitForNewSubscriptions: (topic, count = 1) => {
      const [field, userId] = topic.split(':') as [string, string];
      return live.waitForNew(field, userId, count);
    },
    sql: async (text, params = []) => (await pool.query(text, params)).rows,
    databaseUrl: database.url,
    notifications: { stop: () => notifications.stop(), start: () => notifications.start() },
    mediaDir,
    mediaUrl: media.url,
    chatUrl: chat.url,
    usersUrl: users.url,
    routerSecret,
    rateLimitPrefix,
    media: { stop: () => media.stop(), start: () => media.start() },
    chat: { stop: () => chat.stop(), start: () => chat.start() },
    users: { stop: () => users.stop(), start: () => users.start() },
    subgraphUrls: { users: users.url, chat: chat.url, notifications: notifications.url, media: media.url },
    async close() {
      await product.close();
      await pool.end();
      await database.drop();
      await rm(mediaDir, { recursive: true, force: true });
    },
  };
}

/** A service started as its own OS process, as in production. */
export interface ServiceProcess {
  name: string;
  url: string;
  process: ChildProcess;
  output: () => string;
}

/** Starts `node <entry>` with the given environment and waits until its /health answers 200. */
/** @param port where it listens; a free port unless given (for services others must know in advance) */
export async function startProcess(name: string, entry: string, env: Record<string, string>, port?: number): Promise<ServiceProcess> {
  port ??= await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot, entry)], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was healthy:\n${output}`))),
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const healthy = waitUntil(
    () =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    { timeoutMs: 60_000, intervalMs: 100, message: `${name} did not become healthy` },
  ).catch((error: Error) => {
    throw new Error(`${error.message}:\n${output}`);
  });
  await Promise.race([healthy, exited]);
  exited.catch(() => undefined);
  return { name, url, process: child, output: () => output };
}

/** Stops a process started by startProcess and waits for it to exit. */
export async function stopProcess(service: ServiceProcess): Promise<void> {
  if (service.process.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => service.process.once('exit', () => resolve()));
  service.process.kill('SIGTERM');
  const timer = setTimeout(() => service.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once Redis reports `count` subscribers on the user's message topic (any process). */

export { routerSecret };
