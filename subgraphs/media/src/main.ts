import { ConfigError, createBus, createLogger, readConfig, runMain, stopOnSignals } from '@chirpchat/kit';
import { cloudinaryOptions, createMedia } from './index.js';

/** The media subgraph as its own process: it needs the real PostgreSQL (jobs) and Redis (mediaProcessed) the other services share. */
void runMain(async () => {
  const config = readConfig(
    [
      'NODE_ENV',
      'LOG_LEVEL',
      'HOST',
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
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
    process.env,
    { PORT: '4004' },
  );
  if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL', 'is required when the media subgraph runs as its own process');
  if (!config.REDIS_URL) throw new ConfigError('REDIS_URL', 'is required when the media subgraph runs as its own process (mediaProcessed)');
  const cloudinary = cloudinaryOptions(config);

  const logger = createLogger({ level: config.LOG_LEVEL, name: 'media' });
  const bus = createBus({ redisUrl: config.REDIS_URL });
  const server = await createMedia({
    databaseUrl: config.DATABASE_URL,
    routerSecret: config.ROUTER_SECRET,
    jwtPublicKey: config.JWT_PUBLIC_KEY,
    chatUrl: config.CHAT_URL,
    bus,
    dataDir: config.DATA_DIR,
    localSecret: config.MEDIA_SECRET,
    urlTtlSeconds: config.MEDIA_URL_TTL_SECONDS,
    cloudinary,
    logger,
    production: config.NODE_ENV === 'production',
    host: config.HOST,
    port: config.PORT,
  });
  try {
    await server.listen();
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
  logger.info({ store: cloudinary ? 'cloudinary' : 'local' }, 'media store');

  stopOnSignals(
    logger,
    () => server.close(),
    () => bus.close(),
  );
});
