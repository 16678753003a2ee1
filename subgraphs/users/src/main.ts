import { ConfigError, createLogger, createPresenceStore, readConfig, runMain, stopOnSignals } from '@chirpchat/kit';
import { createUsers } from './index.js';

/** The users subgraph as a process of its own (real services; the embedded mode runs it in the router). */
void runMain(async () => {
  // Read first: without a database nothing else matters, so it is the variable to name.
  const { DATABASE_URL: databaseUrl } = readConfig(['DATABASE_URL'], process.env);
  if (!databaseUrl) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required to run the users subgraph on its own (npm start runs everything with an embedded database)',
    );
  }
  const config = readConfig(
    [
      'NODE_ENV',
      'LOG_LEVEL',
      'HOST',
      'PORT',
      'ROUTER_SECRET',
      'JWT_PUBLIC_KEY',
      'JWT_PRIVATE_KEY',
      'ACCESS_TOKEN_TTL_SECONDS',
      'REFRESH_TOKEN_TTL_DAYS',
      'REDIS_URL',
      'MEDIA_URL',
    ],
    process.env,
    { PORT: '4001', MEDIA_URL: 'http://127.0.0.1:4004/graphql' },
  );
  // Presence is written by the routers, which are other processes: only a shared Redis connects them.
  if (!config.REDIS_URL) throw new ConfigError('REDIS_URL', 'is required when the users subgraph runs as its own process (for presence)');
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'users' });
  const presence = createPresenceStore({ redisUrl: config.REDIS_URL });
  const server = await createUsers({
    databaseUrl,
    routerSecret: config.ROUTER_SECRET,
    jwtPublicKey: config.JWT_PUBLIC_KEY,
    jwtPrivateKey: config.JWT_PRIVATE_KEY,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
    presence,
    mediaUrl: config.MEDIA_URL,
    logger,
    production: config.NODE_ENV === 'production',
    host: config.HOST,
    port: config.PORT,
  });
  const url = await server.listen();
  logger.info({ url }, 'users subgraph ready');

  stopOnSignals(
    logger,
    () => server.close(),
    () => presence.close(),
  );
});
