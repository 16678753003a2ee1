import { readFile } from 'node:fs/promises';
import {
  createBus,
  createRevocationView,
  freePort,
  RateLimits,
  type Bus,
  type Logger,
  type RateLimitSettings,
  type RedisClusterConfig,
  type RevocationView,
  type RunningServer,
} from '@chirpchat/kit';
import { createPresenceStore, type PresenceStore } from '@chirpchat/kit/contracts';
import { createUsers, type UsersOptions } from '@chirpchat/users';
import { createChat, type ChatOptions } from '@chirpchat/chat';
import { createNotifications, type NotificationsOptions, type VapidDetails } from '@chirpchat/notifications';
import { cloudinaryOrigins, createMedia, type MediaOptions } from '@chirpchat/media';
import { createRouter, type RouterOptions } from './router.js';
import type { LiveRegistry } from './subscriptions/live-registry.js';
import { supergraphPath } from './paths.js';
import { webAppRoutes } from './static.js';

export interface ProductOptions {
  /**
   * PostgreSQL for every subgraph (each keeps its tables in its own schema, jobs in `pgboss`).
   * The caller decides what it is: a real server, a test's fresh database, or the embedded one.
   */
  databaseUrl: string;
  /**
   * Redis for live events and presence, shared with other instances. Without it the bus and the
   * presence store live in this process, so only this process can serve subscriptions.
   * @default undefined (in-memory bus and presence)
   */
  redisUrl?: string | undefined;
  /**
   * A Redis Cluster instead of `redisUrl` (not both): live events over its sharded pub/sub,
   * presence in one slot of it.
   * @default undefined
   */
  redisCluster?: RedisClusterConfig | undefined;
  /** Ed25519 key pair, PEM: the users subgraph signs access tokens with `privateKey`, everyone verifies with `publicKey`. */
  keys: { publicKey: string; privateKey: string };
  /** What the router sends and every subgraph expects (≥ 16 characters). */
  routerSecret: string;
  /** The Web Push key pair and contact; browsers subscribe with the public key, so it must outlive restarts. */
  vapid: VapidDetails;
  /** The media subgraph's local store keeps files under `<dataDir>/media`. */
  dataDir: string;
  /** Signs the local store's upload and file URLs and its processing notifications (≥ 32 characters). */
  mediaSecret: string;
  /** Each service logs through a child of it, tagged with its name. */
  logger: Logger;
  /** Hides internal error details and turns introspection off, in the router and every subgraph. */
  production: boolean;
  /** The router's listening address; the subgraphs listen on 127.0.0.1. @default '0.0.0.0' */
  host?: string;
  /** The router's port. @default 0 (a free port) */
  port?: number;
  /**
   * The built web app (`web/dist`), served by the router on its origin, as `npm start` does; its
   * page's CSP admits Cloudinary's hosts when `media.cloudinary` is set. When the folder holds no
   * build, the router logs that and serves the API only.
   * @default undefined (the API only)
   */
  webApp?: string;
  /**
   * Wraps the bus before any service gets it (the test stack counts subscriptions). The product
   * closes what it returns.
   * @default the bus as it is
   */
  wrapBus?: (bus: Bus) => Bus;
  /**
   * Limits to change from the defaults (RATE_LIMITS; README, "Limits"), or `off`. They count in
   * Redis when one is configured (shared by every instance), else in this process.
   * @default the defaults
   */
  rateLimits?: RateLimitSettings | undefined;
  /** Put before every rate-limit key in Redis (a test's product its own). @default 'chirpchat:limit:' */
  rateLimitPrefix?: string;
  /** Overrides for the users subgraph, e.g. `accessTokenTtlSeconds` (@default 900) or `refreshTokenTtlDays` (@default 30). */
  users?: Partial<UsersOptions>;
  /** Overrides for the chat subgraph, e.g. `typingTtlMs`, `clock`. */
  chat?: Partial<ChatOptions>;
  /** Overrides for the notifications subgraph, e.g. `pushEndpointAllowlist`, `isOnline`, a fixed `port`. */
  notifications?: Partial<NotificationsOptions>;
  /** Overrides for the media subgraph, e.g. `cloudinary`, `urlTtlSeconds`, a fixed `port`. @default port: a free port reserved before start-up */
  media?: Partial<MediaOptions>;
  /** Overrides for the router, e.g. `presenceGraceMs`, `extend` (which replaces `webApp`'s routes). */
  router?: Partial<RouterOptions>;
}

export type SubgraphName = 'users' | 'chat' | 'notifications' | 'media';

/** One subgraph of a running product, which can be stopped and started again on the same port and database. */
export interface ProductSubgraph {
  /** Its GraphQL endpoint, the same across restarts. */
  readonly url: string;
  /** Whether it is running (between `start()` and `stop()`). */
  readonly running: boolean;
  /**
   * Closes it as a shutdown would (workers let running jobs finish). Meanwhile the router's
   * requests to it fail, and live subscriptions it serves end (clients catch up by `seq`).
   */
  stop(): Promise<void>;
  /** Builds it again from the same options, on the same port; does nothing while it runs. */
  start(): Promise<void>;
}

/** The whole product running in this process. */
export interface Product {
  /** The router's GraphQL endpoint (HTTP `POST`, and graphql-ws on the same path). */
  url: string;
  subgraphs: Readonly<Record<SubgraphName, ProductSubgraph>>;
  /** The bus every service shares (as `wrapBus` returned it). */
  bus: Bus;
  /** Presence, written by the router and read by users and notifications. */
  presence: PresenceStore;
  /** Revoked sessions and token generations: written by users, consulted by every token check in this process. */
  revocations: RevocationView;
  /** The subscriptions live on the router (by root field and viewer). */
  live: LiveRegistry;
  /** Closes everything in the reverse order of start-up: router, media, notifications, chat, users, revocations, presence, bus. */
  close(): Promise<void>;
}

/**
 * The whole product in one process: users, chat, notifications and media on loopback ports
 * behind the router, sharing one bus and one presence store. `npm start`, the test stack and
 * the benchmarks all start it through here, so that they run the same wiring.
 *
 * Start-up goes in dependency order: users, chat (asks users), notifications (asks chat and users), media
 * (asks chat), router (asks all). Chat and users also ask media about files, so media's port is
 * reserved first and its URL handed to them before it runs. A failure on the way closes what
 * had started.
 */
export async function createProduct(options: ProductOptions): Promise<Product> {
  const { logger } = options;
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const redis = { redisUrl: options.redisUrl, redisCluster: options.redisCluster };
    const rawBus = createBus({ ...redis, logger: logger.child({ service: 'bus' }) });
    const bus = options.wrapBus ? options.wrapBus(rawBus) : rawBus;
    closers.push(() => bus.close());
    const presence = createPresenceStore(redis);
    closers.push(() => presence.close());
    const rateLimits = new RateLimits({
      ...redis,
      limits: options.rateLimits,
      prefix: options.rateLimitPrefix,
      logger: logger.child({ service: 'limits' }),
    });
    closers.push(() => rateLimits.close());
    // One view for the whole process: what users revokes holds for the router and every subgraph before users answers.
    const revocations = await createRevocationView({ ...redis, bus, logger: logger.child({ service: 'revocations' }) });
    closers.push(() => revocations.close());
    const common = {
      rateLimits,
      revocations,
      databaseUrl: options.databaseUrl,
      routerSecret: options.routerSecret,
      jwtPublicKey: options.keys.publicKey,
      production: options.production,
      host: '127.0.0.1',
      port: 0,
    };
    const mediaPort = options.media?.port ?? (await freePort());
    const mediaUrl = `http://127.0.0.1:${mediaPort}/graphql`;
    const run = async (name: SubgraphName, create: (port: number) => Promise<RunningServer>, port: number) => {
      const subgraph = await startSubgraph(create, port);
      closers.push(() => subgraph.stop());
      logger.debug({ subgraph: name, url: subgraph.url }, 'subgraph started');
      return subgraph;
    };

    const usersOptions = (port: number): UsersOptions => ({
      ...common,
      jwtPrivateKey: options.keys.privateKey,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlDays: 30,
      presence,
      mediaUrl,
      logger: logger.child({ service: 'users' }),
      ...options.users,
      port,
    });
    const users = await run('users', (port) => createUsers(usersOptions(port)), options.users?.port ?? 0);

    const chatOptions = (port: number): ChatOptions => ({
      ...common,
      usersUrl: users.url,
      mediaUrl,
      bus,
      logger: logger.child({ service: 'chat' }),
      ...options.chat,
      port,
    });
    const chat = await run('chat', (port) => createChat(chatOptions(port)), options.chat?.port ?? 0);

    const notificationsOptions = (port: number): NotificationsOptions => ({
      ...common,
      chatUrl: chat.url,
      usersUrl: users.url,
      vapid: options.vapid,
      presence,
      logger: logger.child({ service: 'notifications' }),
      ...options.notifications,
      port,
    });
    const notifications = await run(
      'notifications',
      (port) => createNotifications(notificationsOptions(port)),
      options.notifications?.port ?? 0,
    );

    const mediaOptions = (port: number): MediaOptions => ({
      ...common,
      chatUrl: chat.url,
      bus,
      dataDir: options.dataDir,
      localSecret: options.mediaSecret,
      logger: logger.child({ service: 'media' }),
      ...options.media,
      port,
    });
    const media = await run('media', (port) => createMedia(mediaOptions(port)), mediaPort);

    const routerLogger = logger.child({ service: 'router' });
    const cloudinary = options.media?.cloudinary;
    const router = await createRouter({
      supergraphSdl: await readFile(supergraphPath, 'utf8'),
      subgraphUrls: { users: users.url, chat: chat.url, notifications: notifications.url, media: media.url },
      routerSecret: options.routerSecret,
      jwtPublicKey: options.keys.publicKey,
      presence,
      revocations,
      logger: routerLogger,
      production: options.production,
      host: options.host,
      port: options.port,
      rateLimits,
      // With Cloudinary, browsers upload to and load media from its hosts.
      extend: options.webApp ? webAppRoutes(options.webApp, routerLogger, cloudinary ? cloudinaryOrigins(cloudinary.url) : []) : undefined,
      ...options.router,
    });
    closers.push(() => router.close());
    const url = await router.listen();

    return { url, subgraphs: { users, chat, notifications, media }, bus, presence, revocations, live: router.live, close: closeAll };
  } catch (error) {
    await closeAll().catch((closeError: unknown) => logger.error({ err: closeError }, 'could not close what had started'));
    throw error;
  }
}

/** Builds a subgraph with `create(port)` and listens; `start()` later builds it again on the port it got. */
async function startSubgraph(create: (port: number) => Promise<RunningServer>, port: number): Promise<ProductSubgraph> {
  const listening = async (port: number) => {
    const server = await create(port);
    try {
      return { server, url: await server.listen() };
    } catch (error) {
      await server.close();
      throw error;
    }
  };
  const first = await listening(port);
  let server: RunningServer | null = first.server;
  const fixedPort = Number(new URL(first.url).port);
  return {
    url: first.url,
    get running() {
      return server !== null;
    },
    async stop() {
      const stopping = server;
      server = null;
      await stopping?.close();
    },
    async start() {
      if (server) return;
      server = (await listening(fixedPort)).server;
    },
  };
}
