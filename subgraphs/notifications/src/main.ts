import { createBus, createRevocationView, redisTarget, runSubgraphProcess } from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { createNotifications } from './index.js';

/** The notifications subgraph as its own process: it needs the real PostgreSQL (jobs) and Redis (presence) the other services share. */
void runSubgraphProcess({
  name: 'notifications',
  variables: [
    'DATABASE_URL',
    'REDIS_URL',
    'REDIS_CLUSTER_NODES',
    'ROUTER_SECRET',
    'JWT_PUBLIC_KEY',
    'CHAT_URL',
    'USERS_URL',
    'VAPID_PUBLIC_KEY',
    'VAPID_PRIVATE_KEY',
    'VAPID_SUBJECT',
    'PUSH_ENDPOINT_ALLOWLIST',
  ],
  defaults: { PORT: '4003', USERS_URL: 'http://127.0.0.1:4001/graphql' },
  required: { DATABASE_URL: 'jobs', REDIS_URL: 'presence' },
  create: async (config, { logger, production, own }) => {
    // Only to hear revocations: sessions signed out elsewhere stop here at once.
    const bus = own(createBus({ ...redisTarget(config), logger }));
    return createNotifications({
      databaseUrl: config.DATABASE_URL!,
      revocations: own(await createRevocationView({ ...redisTarget(config), bus, logger })),
      presence: own(createPresenceStore(redisTarget(config))),
      routerSecret: config.ROUTER_SECRET,
      jwtPublicKey: config.JWT_PUBLIC_KEY,
      chatUrl: config.CHAT_URL,
      usersUrl: config.USERS_URL,
      vapid: { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT },
      pushEndpointAllowlist: config.PUSH_ENDPOINT_ALLOWLIST,
      logger,
      production,
      host: config.HOST,
      port: config.PORT,
    });
  },
});
