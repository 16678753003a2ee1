import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createBus, createLogger, freePort, generateSigningKeys, type Bus, type RunningServer } from '@chirpchat/kit';
import { createUsers } from '@chirpchat/users';
import { createChat } from '@chirpchat/chat';
import { createNotifications, generateVapidKeys, type NotificationsOptions } from '@chirpchat/notifications';
import { createRouter } from '@chirpchat/router';
import { createTestDatabase, repoRoot, testRedisUrl } from './environment.js';

export interface Stack {
  /** The router's HTTP GraphQL endpoint. */
  url: string;
  /** The router's graphql-ws endpoint. */
  wsUrl: string;
  keys: { publicKey: string; privateKey: string };
  /** The stack's own database, for checking what was (not) stored. */
  databaseUrl: string;
  /** The notifications subgraph, which tests stop and start again (same port and database) to show nothing is lost. */
  notifications: { stop(): Promise<void>; start(): Promise<void> };
  /** Resolves once `count` live subscriptions listen for `userId`'s messages (no sleeping on races). */
  waitForSubscribers(userId: string, count?: number): Promise<void>;
  close(): Promise<void>;
}

const routerSecret = 'test-router-secret-'.padEnd(40, 'x');
const silent = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Wraps a bus to count live subscriptions per topic. */
function countingBus(bus: Bus) {
  const counts = new Map<string, number>();
  const waiters: Array<{ topic: string; count: number; resolve: () => void }> = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      if ((counts.get(waiter.topic) ?? 0) >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const counted: Bus = {
    kind: bus.kind,
    publish: (topic, payload) => bus.publish(topic, payload),
    close: () => bus.close(),
    async subscribe(topic) {
      const channel = await bus.subscribe(topic);
      counts.set(topic, (counts.get(topic) ?? 0) + 1);
      channel.onRelease(() => void counts.set(topic, (counts.get(topic) ?? 1) - 1));
      settle();
      return channel as never;
    },
  };
  const waitFor = (topic: string, count: number) =>
    new Promise<void>((resolve) => {
      waiters.push({ topic, count, resolve });
      settle();
    });
  return { bus: counted, waitFor };
}

export interface StackOptions {
  accessTokenTtlSeconds?: number;
  /** Overrides for the notifications subgraph: presence, the loopback push service's address and CA, faster timings. */
  notifications?: Partial<NotificationsOptions>;
}

/** The whole product in this process against a fresh database: users, chat, notifications, router. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const keys = generateSigningKeys();
  const redisUrl = await testRedisUrl();
  const { bus, waitFor } = countingBus(createBus({ redisUrl }));
  const common = {
    databaseUrl: database.url,
    routerSecret,
    jwtPublicKey: keys.publicKey,
    logger: silent,
    production: false,
    host: '127.0.0.1',
    port: 0,
  };
  const users = await createUsers({
    ...common,
    jwtPrivateKey: keys.privateKey,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 900,
    refreshTokenTtlDays: 30,
  });
  const usersUrl = await users.listen();
  const chat = await createChat({ ...common, usersUrl, bus });
  const chatUrl = await chat.listen();
  const notificationsPort = await freePort();
  const generatedVapid = generateVapidKeys();
  const startNotifications = () =>
    createNotifications({
      ...common,
      port: notificationsPort,
      chatUrl,
      redisUrl,
      vapid: { ...generatedVapid, subject: 'mailto:tests@example.com' },
      ...options.notifications,
    });
  let notifications: RunningServer | null = await startNotifications();
  const notificationsUrl = await notifications.listen();
  const router = await createRouter({
    supergraphSdl: await readFile(path.join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8'),
    subgraphUrls: { users: usersUrl, chat: chatUrl, notifications: notificationsUrl },
    routerSecret,
    jwtPublicKey: keys.publicKey,
    logger: silent,
    production: false,
    host: '127.0.0.1',
    port: 0,
  });
  const url = await router.listen();
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    keys,
    databaseUrl: database.url,
    notifications: {
      async stop() {
        await notifications?.close();
        notifications = null;
      },
      async start() {
        if (notifications) return;
        const started = await startNotifications();
        await started.listen();
        notifications = started;
      },
    },
    waitForSubscribers: (userId, count = 1) => waitFor(`messageAdded:${userId}`, count),
    async close() {
      await router.close();
      await notifications?.close();
      await chat.close();
      await users.close();
      await bus.close();
      await database.drop();
    },
  };
}

/** A service started as its own OS process, as in production. */
export interface ServiceProcess {
  name: string;
  url: string;
  process: ChildProcess;
  output: () => string;
}

/** Starts `node <entry>` with the given environment and waits until its /health answers 200. */
export async function startProcess(name: string, entry: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot, entry)], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was healthy:\n${output}`))),
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const healthy = (async () => {
    for (let attempt = 0; attempt < 600; attempt++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${name} did not become healthy within 60 s:\n${output}`);
  })();
  await Promise.race([healthy, exited]);
  exited.catch(() => undefined);
  return { name, url, process: child, output: () => output };
}

/** Stops a process started by startProcess and waits for it to exit. */
export async function stopProcess(service: ServiceProcess): Promise<void> {
  if (service.process.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => service.process.once('exit', () => resolve()));
  service.process.kill('SIGTERM');
  const timer = setTimeout(() => service.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once Redis reports `count` subscribers on the user's message topic (any process). */
export async function waitForRedisSubscribers(redisUrl: string, userId: string, count = 1): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      const [, subscribers] = (await redis.pubsub('NUMSUB', `chirpchat:messageAdded:${userId}`)) as [string, number];
      if (Number(subscribers) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no Redis subscriber for ${userId} within 10 s`);
  } finally {
    redis.disconnect();
  }
}

export { routerSecret };
