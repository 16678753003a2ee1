import { readFile } from 'node:fs/promises';
import { createLogger, readConfig, runMain } from '@chirpchat/kit';
import { createRouter } from './router.js';
import { supergraphPath } from './paths.js';

// One router process in front of separately running subgraphs (see README, "Running services separately").
await runMain(async () => {
  const config = readConfig(
    ['NODE_ENV', 'LOG_LEVEL', 'HOST', 'PORT', 'ROUTER_SECRET', 'JWT_PUBLIC_KEY', 'USERS_URL', 'CHAT_URL', 'NOTIFICATIONS_URL'],
    process.env,
    { PORT: '4000' },
  );
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'router' });
  const router = await createRouter({
    supergraphSdl: await readFile(supergraphPath, 'utf8'),
    subgraphUrls: { users: config.USERS_URL, chat: config.CHAT_URL, notifications: config.NOTIFICATIONS_URL },
    routerSecret: config.ROUTER_SECRET,
    jwtPublicKey: config.JWT_PUBLIC_KEY,
    logger,
    production: config.NODE_ENV === 'production',
    host: config.HOST,
    port: config.PORT,
  });
  await router.listen();
  const stop = () => void router.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
