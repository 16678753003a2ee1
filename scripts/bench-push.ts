// Push notifications under sustained traffic. The product runs as in production with real
// PostgreSQL and Redis: every service its own process (`npm run start:*`), the loopback Web Push
// service of the tests trusted through NODE_EXTRA_CA_CERTS and allowed by PUSH_ENDPOINT_ALLOWLIST.
// GROUPS groups of GROUP_SIZE members; in each, two offline members with a push subscription, one
// member online (a live socket) with a subscription, who must get none, and the rest without one.
// Messages go to the router's sendMessage at RATE per second for SECONDS, round-robin over the
// groups; every push that reaches the push service is timed from the start of its sendMessage.
// Baseline in the same run: the same number of pushes sent straight with web-push to the same
// service, at the same rate, with no queue in between.
// Prints the figures and writes them to bench-results/push-throughput.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import webpush from 'web-push';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createLogger, freePort, generateSigningKeys, JobQueue } from '@chirpchat/kit';
import { messageSentQueue, type MessageSentEvent } from '@chirpchat/kit/contracts';
import { generateVapidKeys } from '@chirpchat/notifications';
import { LoopbackPushService, type PushRecord } from '../test/notifications/push-service.ts';
import { benchApi, type Person } from './bench-api.ts';
import { benchDatabase } from './bench-database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rate = Number(process.env.BENCH_PUSH_RATE ?? 500);
/** sendMessage through the router is bounded by the send path's own CPU on this 2-core machine, not by push. */
const e2eRate = Number(process.env.BENCH_PUSH_E2E_RATE ?? 50);
const seconds = Number(process.env.BENCH_PUSH_SECONDS ?? 20);
const groupCount = Number(process.env.BENCH_PUSH_GROUPS ?? 25);
const groupSize = Number(process.env.BENCH_PUSH_GROUP_SIZE ?? 20);
/** How long to wait for the last pushes after the last send before calling the rest missing. */
const drainLimitMs = Number(process.env.BENCH_PUSH_DRAIN_MS ?? 60_000);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const senderCount = 5;
const at = (values: number[], q: number) =>
  values.length ? +values[Math.min(values.length - 1, Math.floor(q * values.length))]!.toFixed(1) : null;
const quietCount = groupSize - 4; // members with no push subscription: all but the sender, two offline, one online

const database = await benchDatabase();
const databaseUrl = database.url;

const push = await LoopbackPushService.start({ decrypt: 'on-read' });
const scratch = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-push-'));
const caFile = path.join(scratch, 'push-ca.pem');
await writeFile(caFile, push.certificate);

const keys = generateSigningKeys();
const vapid = { ...generateVapidKeys(), subject: 'mailto:bench@example.com' };
const ports = { users: await freePort(), chat: await freePort(), notifications: await freePort(), media: await freePort() };
const routerPort = await freePort();
const local = (port: number) => `http://127.0.0.1:${port}/graphql`;
const common = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/root',
  NODE_ENV: 'production',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  HOST: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  // Raw capacity: the benchmark's senders post far faster than the per-user limits allow.
  RATE_LIMITS: 'off',
  ROUTER_SECRET: randomBytes(24).toString('hex'),
  JWT_PUBLIC_KEY: keys.publicKey,
  USERS_URL: local(ports.users),
  CHAT_URL: local(ports.chat),
  NOTIFICATIONS_URL: local(ports.notifications),
  MEDIA_URL: local(ports.media),
};

interface Service {
  name: string;
  child: ChildProcess;
  output: string;
}
const services: Service[] = [];

/** Starts `npm run start:<name>`'s entry point with `env`; resolves once its port answers /health. */
async function start(name: string, entry: string, port: number, env: Record<string, string>): Promise<void> {
  // BENCH_PROFILE=chat,notifications writes those services' CPU profiles to bench-results/profiles/.
  const profile = (process.env.BENCH_PROFILE ?? '').split(',').includes(name)
    ? ['--cpu-prof', '--cpu-prof-dir', path.join(root, 'bench-results', 'profiles'), '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`]
    : [];
  const child = spawn(process.execPath, [...profile, path.join(root, entry)], {
    cwd: root,
    env: { ...common, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: Service = { name, child, output: '' };
  services.push(service);
  child.stdout!.on('data', (chunk: Buffer) => (service.output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (service.output += chunk));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${service.output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not come up within 60 s:\n${service.output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const dataDir = path.join(scratch, 'media');
// One after another: each applies its own migrations, and the first starts pg-boss's schema.
await start('users', 'subgraphs/users/dist/src/main.js', ports.users, { JWT_PRIVATE_KEY: keys.privateKey });
await start('media', 'subgraphs/media/dist/src/main.js', ports.media, { DATA_DIR: dataDir, MEDIA_SECRET: randomBytes(32).toString('hex') });
await start('chat', 'subgraphs/chat/dist/src/main.js', ports.chat, {});
await start('notifications', 'subgraphs/notifications/dist/src/main.js', ports.notifications, {
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: vapid.subject,
  PUSH_ENDPOINT_ALLOWLIST: push.allowlistEntry,
  NODE_EXTRA_CA_CERTS: caFile,
});
await start('router', 'router/dist/src/start-router.js', routerPort, {});
const url = local(routerPort);

const api = benchApi(url);
const { gql, register } = api;
const subscribeBrowser = (person: Person) => api.subscribeBrowser(push, person);

async function registerAll(name: string, count: number): Promise<Person[]> {
  const people: Person[] = [];
  // Two at a time: argon2 keeps a core busy per registration.
  for (let i = 0; i < count; i += 2)
    people.push(...(await Promise.all([register(`${name}${i}`), ...(i + 1 < count ? [register(`${name}${i + 1}`)] : [])])));
  return people;
}

console.log(`setting up: ${groupCount} groups of ${groupSize}, ${senderCount} senders …`);
const senders = await registerAll('sender', senderCount);
const offline = await registerAll('offline', groupCount * 2);
const online = await registerAll('online', groupCount);
const quiet = await registerAll('quiet', quietCount);
const subscriptionOf = new Map<string, string>(); // push subscription id → user id
for (const person of [...offline, ...online]) subscriptionOf.set((await subscribeBrowser(person)).id, person.id);
const onlineIds = new Set(online.map((person) => person.id));

// The online members hold a live socket on the router (that is what presence counts), with no subscription.
const sockets: Client[] = [];
await Promise.all(
  online.map(
    (person) =>
      new Promise<void>((resolve, reject) => {
        const client = createClient({
          url: url.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${person.token}` },
          lazy: false,
          on: { connected: () => resolve(), error: reject },
          onNonLazyError: reject,
        });
        sockets.push(client);
      }),
  ),
);

interface Group {
  id: string;
  title: string;
  sender: Person;
  memberIds: string[];
}
const groups: Group[] = [];
for (let g = 0; g < groupCount; g++) {
  const sender = senders[g % senderCount]!;
  const members = [offline[2 * g]!, offline[2 * g + 1]!, online[g]!, ...quiet].map((person) => person.id);
  const { createConversation } = await gql<{ createConversation: { id: string } }>(
    `mutation($i: CreateConversationInput!) { createConversation(input: $i) { id } }`,
    { i: { kind: 'GROUP', title: `Bench group ${g}`, memberIds: members } },
    sender.token,
  );
  groups.push({ id: createConversation.id, title: `Bench group ${g}`, sender, memberIds: [sender.id, ...members] });
}

// ── The load ────────────────────────────────────────────────────────────────────────────────
/** One run of load: what was sent when, and what reached the push service when. */
interface Phase {
  sentAt: Map<string, number>; // `${conversationId}:${seq}` → when its send started
  /** Pushes as they arrived; decrypted (which message?) only after the run, as a browser would. */
  arrivals: Array<{ record: PushRecord; at: number }>;
}
let current: Phase | null = null;
push.onRecord((record: PushRecord) => current?.arrivals.push({ record, at: performance.now() }));

/**
 * Sends `rate × seconds` messages with `send` (open loop: each is due at its time whether or not
 * earlier ones have answered), waits for their pushes, and reports.
 * @param send sends message `n` and answers its `${conversationId}:${seq}`
 */
async function phase(label: string, rate: number, seconds: number, send: (n: number) => Promise<string>) {
  const state: Phase = { sentAt: new Map(), arrivals: [] };
  current = state;
  const cpuBefore = new Map(services.map((service) => [service.name, cpuSeconds(service.child.pid)]));
  const benchCpuBefore = process.cpuUsage();
  const postgresBefore = postgresCpu();
  const total = Math.round(rate * seconds);
  const sendLatencies: number[] = [];
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let lastSendDoneAt = 0;
  const sends: Promise<void>[] = [];
  console.log(`${label}: ${total} messages at ${rate}/s for ${seconds} s …`);
  const sendOne = async (n: number) => {
    const started = performance.now();
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      state.sentAt.set(await send(n), started);
      sendLatencies.push(performance.now() - started);
      sent += 1;
    } catch (error) {
      failed += 1;
      if (failed <= 5) console.error(`${label}: send failed:`, (error as Error).message);
    } finally {
      inFlight -= 1;
      lastSendDoneAt = performance.now();
    }
  };
  const sendStart = performance.now();
  await new Promise<void>((resolve) => {
    let issued = 0;
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - sendStart) / 1000) * rate));
      while (issued < due) sends.push(sendOne(issued++));
      if (issued >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const sendWindowMs = performance.now() - sendStart;
  await Promise.all(sends);
  const cpuWhileSending = cpuSince(cpuBefore, benchCpuBefore, postgresBefore);
  const expected = sent * 2;
  const drainDeadline = performance.now() + drainLimitMs;
  while (state.arrivals.length < expected && performance.now() < drainDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Give a duplicate or a stray push a moment to show before the next phase starts.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const queued = await queuedJobs();
  current = null;

  const latencies: number[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let lastPushAt = 0;
  for (const { record, at } of state.arrivals) {
    const payload = record.payload as { conversationId: string; seq: number };
    const key = `${payload.conversationId}:${payload.seq}`;
    const userId = subscriptionOf.get(record.id);
    const started = state.sentAt.get(key);
    if (!userId || onlineIds.has(userId)) problems.push(`a push to a member who was online (${record.id})`);
    else if (seen.has(`${key}:${record.id}`)) problems.push(`a second push of ${key} to ${record.id}`);
    else if (started === undefined) problems.push(`a push for ${key}, which this run did not send`);
    else latencies.push(at - started);
    seen.add(`${key}:${record.id}`);
    lastPushAt = Math.max(lastPushAt, at);
  }
  latencies.sort((a, b) => a - b);
  sendLatencies.sort((a, b) => a - b);
  return {
    messages: { planned: total, sent, failed, sendRatePerSecond: +(sent / (sendWindowMs / 1000)).toFixed(1), maxInFlight },
    sendMs: { p50: at(sendLatencies, 0.5), p99: at(sendLatencies, 0.99), max: at(sendLatencies, 1) },
    pushes: { expected, delivered: latencies.length, unexpected: problems.length, firstProblems: problems.slice(0, 5) },
    sendToPushMs: { p50: at(latencies, 0.5), p95: at(latencies, 0.95), p99: at(latencies, 0.99), max: at(latencies, 1) },
    lastPushAfterLastSendMs: lastPushAt > 0 ? Math.round(lastPushAt - lastSendDoneAt) : null,
    jobsStillQueued: queued,
    cpuSecondsWhileSending: cpuWhileSending,
  };
}

// 1. The push pipeline at the full rate: "message sent" events enqueued exactly as chat's send
//    does (one transaction per message, the job sent through it, then the coalesced wake-up),
//    straight into PostgreSQL, so that the figure is notifications' and not the send path's.
const producer = await JobQueue.start({ databaseUrl, logger: createLogger({ level: 'warn' }), maintenance: false });
const pool = new pg.Pool({ connectionString: databaseUrl, max: 16 });
const eventSeq = new Map<string, number>();
const pipeline = await phase('events', rate, seconds, async (n) => {
  const group = groups[n % groups.length]!;
  const seq = (eventSeq.get(group.id) ?? 1_000_000) + 1;
  eventSeq.set(group.id, seq);
  const event: MessageSentEvent = {
    messageId: randomUUID(),
    conversationId: group.id,
    conversationKind: 'GROUP',
    conversationTitle: group.title,
    seq,
    senderId: group.sender.id,
    senderName: 'Bench sender',
    text: `Message ${n} of the push bench`,
    recipientIds: group.memberIds.filter((id) => id !== group.sender.id),
    mentionedUserIds: [],
  };
  const client = await pool.connect();
  try {
    await client.query('begin');
    await producer.boss.send(messageSentQueue.name, event, {
      id: event.messageId,
      db: { executeSql: (text: string, values?: unknown[]) => client.query(text, values) },
    });
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  producer.wake(messageSentQueue);
  return `${group.id}:${seq}`;
});
await pool.end();
await producer.stop();

// 2. The whole path: sendMessage through the router, at the rate this machine's send path takes.
const endToEnd = await phase('sendMessage', e2eRate, seconds, async (n) => {
  const group = groups[n % groups.length]!;
  const { sendMessage } = await gql<{ sendMessage: { seq: number } }>(
    `mutation($i: SendMessageInput!) { sendMessage(input: $i) { seq } }`,
    { i: { conversationId: group.id, clientId: `bench-${n}`, text: `Message ${n} of the push bench` } },
    group.sender.token,
  );
  return `${group.id}:${sendMessage.seq}`;
});

// 3. Baseline: the pipeline's pushes sent straight from web-push to the same service, same rate, no queue.
const baseline = await directPushes(2 * rate * seconds, 2 * rate);

// What the services logged (warnings and errors at the default level), for a look after the run.
await mkdir(path.join(root, 'bench-results', 'logs'), { recursive: true });
for (const service of services) await writeFile(path.join(root, 'bench-results', 'logs', `push-${service.name}.log`), service.output);

for (const client of sockets) await client.dispose();
for (const service of services) service.child.kill('SIGTERM');
await Promise.all(
  services.map(
    (service) => new Promise((resolve) => (service.child.exitCode !== null ? resolve(null) : service.child.once('exit', resolve))),
  ),
);
await push.close();
await database.drop();
await rm(scratch, { recursive: true, force: true });

const result = { pipeline, endToEnd, baselineDirectWebPush: baseline };
console.log(JSON.stringify(result, null, 2));
const report = {
  date: new Date().toISOString(),
  node: process.version,
  setup: { rate, e2eRate, seconds, groups: groupCount, groupSize, senders: senderCount, pushSubscriptionsPerGroup: '2 offline + 1 online' },
  note:
    'pipeline: message-sent events enqueued as chat does, at the full rate; endToEnd: sendMessage through the router; ' +
    'both timed to the push accepted by a loopback Web Push service (VAPID checked, payload decrypted); ' +
    'every service its own process, real PostgreSQL and Redis, 2 cores shared by all',
  ...result,
};
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(path.join(root, 'bench-results', 'push-throughput.json'), JSON.stringify(report, null, 2) + '\n');
console.log('wrote bench-results/push-throughput.json');

/** `count` pushes at `perSecond` straight from web-push to fresh subscriptions of the push service: the floor. */
async function directPushes(count: number, perSecond: number) {
  const targets = Array.from({ length: 50 }, () => push.subscription());
  // As the product sends: kept-alive connections (a bounded number of them) and one VAPID token reused.
  const agent = new (await import('node:https')).Agent({ keepAlive: true, maxSockets: 64, ca: push.certificate });
  const authorization = webpush.getVapidHeaders(push.origin, vapid.subject, vapid.publicKey, vapid.privateKey, 'aes128gcm').Authorization;
  let failures = 0;
  const times: number[] = [];
  const startedAll = performance.now();
  const work: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    let issued = 0;
    const tick = setInterval(() => {
      const due = Math.min(count, Math.floor(((performance.now() - startedAll) / 1000) * perSecond));
      while (issued < due) {
        const target = targets[issued % targets.length]!;
        const n = issued++;
        const started = performance.now();
        work.push(
          webpush
            .sendNotification(target, JSON.stringify({ conversationId: 'baseline', seq: n }), {
              TTL: 3600,
              headers: { Authorization: authorization },
              agent,
              timeout: 10_000,
            })
            .then(
              () => void times.push(performance.now() - started),
              () => void (failures += 1),
            ),
        );
      }
      if (issued >= count) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await Promise.all(work);
  agent.destroy();
  times.sort((a, b) => a - b);
  return {
    pushes: count,
    delivered: times.length,
    failed: failures,
    ratePerSecond: perSecond,
    ms: { p50: at(times, 0.5), p99: at(times, 0.99), max: at(times, 1) },
  };
}

/** Jobs of the push pipeline not finished yet, by queue. */
async function queuedJobs(): Promise<Record<string, number>> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ name: string; waiting: number }>(
      `select name, count(*)::int as waiting from pgboss.job
        where state in ('created', 'retry', 'active') and name in ('message-sent', 'push') group by name`,
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.waiting]));
  } finally {
    await db.end();
  }
}

/** CPU seconds of every PostgreSQL process on this machine (server and backends) by pid, when it runs here. */
function postgresCpu(): Map<number, number> {
  const pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') cpu.set(Number(pid), cpuSeconds(Number(pid)));
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

/** CPU seconds each process has used since the snapshots. */
function cpuSince(before: Map<string, number>, benchBefore: NodeJS.CpuUsage, postgresBefore: Map<number, number>): Record<string, number> {
  const used: Record<string, number> = Object.fromEntries(
    services.map((service) => [service.name, +(cpuSeconds(service.child.pid) - (before.get(service.name) ?? 0)).toFixed(2)]),
  );
  let postgres = 0;
  for (const [pid, seconds] of postgresCpu()) postgres += seconds - (postgresBefore.get(pid) ?? 0);
  used.postgres = +postgres.toFixed(2);
  const bench = process.cpuUsage(benchBefore);
  used.bench = +((bench.user + bench.system) / 1e6).toFixed(2);
  return used;
}
