import { createBus, createRevocationView, RateLimits, redisTarget, runSubgraphProcess } from '@chirpchat/kit';
import { createChat } from './index.js';

/** The chat subgraph as its own process: it needs the real PostgreSQL and Redis that the other instances share. */
void runSubgraphProcess({
  name: 'chat',
  variables: [
    'DATABASE_URL',
    'REDIS_URL',
    'RATE_LIMITS',
    'REDIS_CLUSTER_NODES',
    'ROUTER_SECRET',
    'JWT_PUBLIC_KEY',
    'USERS_URL',
    'MEDIA_URL',
  ],
  defaults: { PORT: '4002', MEDIA_URL: 'http://127.0.0.1:4004/graphql' },
  // Without these, events and data would stay inside this process; `npm start` covers that case.
  required: { DATABASE_URL: 'messages', REDIS_URL: 'live events between instances' },
  create: async (config, { logger, production, own }) => {
    const bus = own(createBus({ ...redisTarget(config), logger }));
    return createChat({
      databaseUrl: config.DATABASE_URL!,
      routerSecret: config.ROUTER_SECRET,
      jwtPublicKey: config.JWT_PUBLIC_KEY,
      usersUrl: config.USERS_URL,
      mediaUrl: config.MEDIA_URL,
      bus,
      // Sessions signed out elsewhere stop here at once (see README, "Signing out at once").
      revocations: own(await createRevocationView({ ...redisTarget(config), bus, logger })),
      rateLimits: own(new RateLimits({ ...redisTarget(config), limits: config.RATE_LIMITS, logger })),
      logger,
      production,
      host: config.HOST,
      port: config.PORT,
    });
  },
});
