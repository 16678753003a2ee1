import { ConfigError, createLogger, createPresenceStore, readConfig, runMain, stopOnSignals } from '@chirpchat/kit';
import { createNotifications } from './index.js';

/** The notifications subgraph as its own process: it needs the real PostgreSQL (jobs) and Redis (presence) the other services share. */
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
      'VAPID_PUBLIC_KEY',
      'VAPID_PRIVATE_KEY',
      'VAPID_SUBJECT',
      'PUSH_ENDPOINT_ALLOWLIST',
    ],
    process.env,
    { PORT: '4003' },
  );
  // The all-in-one mode (npm start) covers running without them.
  if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL', 'is required when the notifications subgraph runs as its own process');
  if (!config.REDIS_URL)
    throw new ConfigError('REDIS_URL', 'is required when the notifications subgraph runs as its own process (presence)');

  const logger = createLogger({ level: config.LOG_LEVEL, name: 'notifications' });
  const presence = createPresenceStore({ redisUrl: config.REDIS_URL });
  const server = await createNotifications({
    databaseUrl: config.DATABASE_URL,
    presence,
    routerSecret: config.ROUTER_SECRET,
    jwtPublicKey: config.JWT_PUBLIC_KEY,
    chatUrl: config.CHAT_URL,
    vapid: { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT },
    pushEndpointAllowlist: config.PUSH_ENDPOINT_ALLOWLIST,
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

  stopOnSignals(
    logger,
    () => server.close(),
    () => presence.close(),
  );
});
