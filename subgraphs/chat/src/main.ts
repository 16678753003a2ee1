import { ConfigError, createBus, createLogger, readConfig, runMain, type RunningServer, stopOnSignals } from '@chirpchat/kit';
import { createChat } from './index.js';

/** The chat subgraph as its own process: it needs the real PostgreSQL and Redis that the other instances share. */
void runMain(async () => {
  const config = readConfig(
    ['NODE_ENV', 'LOG_LEVEL', 'HOST', 'PORT', 'DATABASE_URL', 'REDIS_URL', 'ROUTER_SECRET', 'JWT_PUBLIC_KEY', 'USERS_URL', 'MEDIA_URL'],
    process.env,
    { PORT: '4002', MEDIA_URL: 'http://127.0.0.1:4004/graphql' },
  );
  // Without these, events and data would stay inside this process; the all-in-one mode (npm start) covers that case.
  if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL', 'is required when the chat subgraph runs as its own process');
  if (!config.REDIS_URL) throw new ConfigError('REDIS_URL', 'is required when the chat subgraph runs as its own process');

  const logger = createLogger({ level: config.LOG_LEVEL, name: 'chat' });
  const bus = createBus({ redisUrl: config.REDIS_URL });
  let chat: RunningServer | undefined;
  try {
    chat = await createChat({
      databaseUrl: config.DATABASE_URL,
      routerSecret: config.ROUTER_SECRET,
      jwtPublicKey: config.JWT_PUBLIC_KEY,
      usersUrl: config.USERS_URL,
      mediaUrl: config.MEDIA_URL,
      bus,
      logger,
      production: config.NODE_ENV === 'production',
      host: config.HOST,
      port: config.PORT,
    });
    await chat.listen();
  } catch (error) {
    await chat?.close().catch(() => undefined);
    await bus.close();
    throw error;
  }

  stopOnSignals(
    logger,
    () => chat.close(),
    () => bus.close(),
  );
});
