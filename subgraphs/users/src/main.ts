import { createBus, createRevocationView, RateLimits, redisTarget, runSubgraphProcess } from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { createUsers } from './index.js';

/** The users subgraph as a process of its own (real services; `npm start` runs it inside the product). */
void runSubgraphProcess({
  name: 'users',
  variables: [
    'DATABASE_URL',
    'REDIS_URL',
    'RATE_LIMITS',
    'REDIS_CLUSTER_NODES',
    'ROUTER_SECRET',
    'JWT_PUBLIC_KEY',
    'JWT_PRIVATE_KEY',
    'ACCESS_TOKEN_TTL_SECONDS',
    'REFRESH_TOKEN_TTL_DAYS',
    'MEDIA_URL',
  ],
  defaults: { PORT: '4001', MEDIA_URL: 'http://127.0.0.1:4004/graphql' },
  // Presence is written by the routers, which are other processes: only a shared Redis connects them.
  required: { DATABASE_URL: 'npm start runs everything with an embedded database', REDIS_URL: 'for presence' },
  create: async (config, { logger, production, own }) => {
    // Revocations reach the routers and the other subgraphs on the bus, with a Redis backstop.
    const bus = own(createBus({ ...redisTarget(config), logger }));
    const revocations = own(await createRevocationView({ ...redisTarget(config), bus, logger }));
    return createUsers({
      databaseUrl: config.DATABASE_URL!,
      routerSecret: config.ROUTER_SECRET,
      jwtPublicKey: config.JWT_PUBLIC_KEY,
      jwtPrivateKey: config.JWT_PRIVATE_KEY,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
      presence: own(createPresenceStore(redisTarget(config))),
      revocations,
      mediaUrl: config.MEDIA_URL,
      rateLimits: own(new RateLimits({ ...redisTarget(config), limits: config.RATE_LIMITS, logger })),
      logger,
      production,
      host: config.HOST,
      port: config.PORT,
    });
  },
});
