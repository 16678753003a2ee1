import { readFile } from 'node:fs/promises';
import {
  ConfigError,
  createBus,
  createLogger,
  createRevocationView,
  RateLimits,
  readConfig,
  redisTarget,
  runMain,
  stopOnSignals,
} from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { createRouter } from './router.js';
import { supergraphPath, webDistPath } from './paths.js';
import { cloudinaryOrigins } from '@chirpchat/media';
import { webAppRoutes } from './static.js';
import { trustProxySetting } from './client-info.js';

// `npm run start:router`: one router process in front of separately running subgraphs (see README, "Running services separately").
await runMain(async () => {
  const config = readConfig(
    [
      'NODE_ENV',
      'LOG_LEVEL',
      'HOST',
      'PORT',
      'ROUTER_SECRET',
      'JWT_PUBLIC_KEY',
      'USERS_URL',
      'CHAT_URL',
      'NOTIFICATIONS_URL',
      'MEDIA_URL',
      'SUBGRAPH_TIMEOUT_SECONDS',
      'TRUST_PROXY',
      'REDIS_URL',
      'REDIS_CLUSTER_NODES',
      'CLOUDINARY_URL',
      'RATE_LIMITS',
    ],
    process.env,
    { PORT: '4000' },
  );
  // The users subgraph and the other router instances learn who is online only through Redis.
  const redis = redisTarget(config);
  if (!redis.redisUrl && !redis.redisCluster) {
    throw new ConfigError('REDIS_URL', 'is required (or REDIS_CLUSTER_NODES) when the router runs as its own process (for presence)');
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'router' });
  const presence = createPresenceStore(redis);
  const rateLimits = new RateLimits({ ...redis, limits: config.RATE_LIMITS, logger });
  // Sessions signed out by users reach this router on the bus (with a Redis backstop): their sockets close at once.
  const bus = createBus({ ...redis, logger });
  const revocations = await createRevocationView({ ...redis, bus, logger });
  const router = await createRouter({
    supergraphSdl: await readFile(supergraphPath, 'utf8'),
    subgraphUrls: { users: config.USERS_URL, chat: config.CHAT_URL, notifications: config.NOTIFICATIONS_URL, media: config.MEDIA_URL },
    routerSecret: config.ROUTER_SECRET,
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_SECONDS * 1000,
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    jwtPublicKey: config.JWT_PUBLIC_KEY,
    presence,
    rateLimits,
    revocations,
    logger,
    production: config.NODE_ENV === 'production',
    host: config.HOST,
    port: config.PORT,
    // With Cloudinary, browsers upload to and load media from its hosts.
    extend: webAppRoutes(webDistPath, logger, config.CLOUDINARY_URL ? cloudinaryOrigins(config.CLOUDINARY_URL) : []),
  });
  await router.listen();
  stopOnSignals(
    logger,
    () => router.close(),
    () => presence.close(),
    () => rateLimits.close(),
    () => revocations.close(),
    () => bus.close(),
  );
});
