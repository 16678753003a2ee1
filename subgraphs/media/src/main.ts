import { createBus, createRevocationView, RateLimits, redisTarget, runSubgraphProcess } from '@chirpchat/kit';
import { cloudinaryOptions, createMedia } from './index.js';

/** The media subgraph as its own process: it needs the real PostgreSQL (jobs) and Redis (mediaProcessed) the other services share. */
void runSubgraphProcess({
  name: 'media',
  variables: [
    'DATABASE_URL',
    'REDIS_URL',
    'RATE_LIMITS',
    'REDIS_CLUSTER_NODES',
    'ROUTER_SECRET',
    'JWT_PUBLIC_KEY',
    'CHAT_URL',
    'DATA_DIR',
    'MEDIA_SECRET',
    'MEDIA_URL_TTL_SECONDS',
    'CLOUDINARY_URL',
    'CLOUDINARY_AUTH_TOKEN_KEY',
    'PUBLIC_URL',
  ],
  defaults: { PORT: '4004' },
  required: { DATABASE_URL: 'jobs', REDIS_URL: 'mediaProcessed' },
  create: async (config, { logger, production, own }) => {
    const cloudinary = cloudinaryOptions(config);
    logger.info({ store: cloudinary ? 'cloudinary' : 'local' }, 'media store');
    const bus = own(createBus({ ...redisTarget(config), logger }));
    return createMedia({
      databaseUrl: config.DATABASE_URL!,
      routerSecret: config.ROUTER_SECRET,
      jwtPublicKey: config.JWT_PUBLIC_KEY,
      chatUrl: config.CHAT_URL,
      bus,
      revocations: own(await createRevocationView({ ...redisTarget(config), bus, logger })),
      dataDir: config.DATA_DIR,
      localSecret: config.MEDIA_SECRET,
      urlTtlSeconds: config.MEDIA_URL_TTL_SECONDS,
      cloudinary,
      rateLimits: own(new RateLimits({ ...redisTarget(config), limits: config.RATE_LIMITS, logger })),
      logger,
      production,
      host: config.HOST,
      port: config.PORT,
    });
  },
});
