// Measures a message's trip from `sendMessage` to a subscriber: through the router (the real
// path) and, as the baseline in the same run, straight from the chat subgraph's own socket.
// The product runs as `npm start` runs it (createProduct), on real PostgreSQL and Redis, with a
// loopback Web Push service: the subscriber, bob, has a push subscription and holds a socket on
// the router the whole time, so notifications must see him ONLINE and push him nothing. The
// report counts that, and a control (carol, subscribed, no socket) shows the pushes do flow.
// Prints the figures and writes them to bench-results/message-latency.json.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createLogger, generateSigningKeys } from '@chirpchat/kit';
import { generateVapidKeys } from '@chirpchat/notifications';
import { createProduct } from '@chirpchat/router';
import { LoopbackPushService } from '../test/notifications/push-service.ts';
import { benchApi, type Person } from './bench-api.ts';
import { benchDatabase } from './bench-database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sends = Number(process.env.BENCH_SENDS ?? 300);
/** Messages to the offline control recipient, after the measurements. */
const controlSends = 5;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'warn' });

const database = await benchDatabase();
const push = await LoopbackPushService.start({ decrypt: 'on-read' });
const mediaDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-media-'));
const routerSecret = randomBytes(24).toString('hex');
const product = await createProduct({
  databaseUrl: database.url,
  redisUrl,
  keys: generateSigningKeys(),
  routerSecret,
  vapid: { ...generateVapidKeys(), subject: 'mailto:bench@example.com' },
  dataDir: mediaDir,
  mediaSecret: randomBytes(32).toString('hex'),
  // Raw capacity: a benchmark's few users send far faster than the per-user limits allow.
  rateLimits: 'off',
  logger,
  production: true,
  host: '127.0.0.1',
  notifications: { pushEndpointAllowlist: [push.allowlistEntry], extraCaCertificates: [push.certificate] },
});
const { url } = product;
const pool = new pg.Pool({ connectionString: database.url, max: 2 });

const api = benchApi(url);
const { gql, register } = api;
const subscribeBrowser = (person: Person) => api.subscribeBrowser(push, person);

async function directChat(from: Person, to: Person): Promise<string> {
  const { createConversation } = await gql<{ createConversation: { id: string } }>(
    `mutation($p: ID!) { createConversation(input: { kind: DIRECT, memberIds: [$p] }) { id } }`,
    { p: to.id },
    from.token,
  );
  return createConversation.id;
}

const send = (conversationId: string, clientId: string, text: string) =>
  gql(`mutation($i: SendMessageInput!) { sendMessage(input: $i) { seq } }`, { i: { conversationId, clientId, text } }, alice.token);

const alice = await register('alice');
const bob = await register('bob');
const carol = await register('carol');
const bobsBrowser = await subscribeBrowser(bob);
const carolsBrowser = await subscribeBrowser(carol);
const conversationId = await directChat(alice, bob);
const controlConversationId = await directChat(alice, carol);

// Bob's socket on the router, held from before the first send to after the last: he is ONLINE throughout.
const viaRouter = await new Promise<Client>((resolve, reject) => {
  const client: Client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${bob.token}` },
    lazy: false,
    on: { connected: () => resolve(client), error: reject },
    onNonLazyError: reject,
  });
});
const direct = createClient({
  url: product.subgraphs.chat.url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { routerSecret },
});

let messagesToBob = 0;

/** Sends `sends` messages one after another and times each until the subscriber has it. */
async function measure(label: string, client: Client, query: string, extensions?: Record<string, unknown>) {
  const waiting = new Map<string, () => void>();
  let ready!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const dispose = client.subscribe<{ messageAdded: { text: string } }>(
    { query, variables: { id: conversationId }, ...(extensions ? { extensions } : {}) },
    {
      next: ({ data, errors }) => {
        if (errors) throw new Error(JSON.stringify(errors));
        const text = data!.messageAdded.text;
        if (text === 'warm-up') return ready();
        waiting.get(text)?.();
      },
      error: (error) => console.error(label, error),
      complete: () => undefined,
    },
  );
  // Warm up until the subscription is live, then measure.
  for (let i = 0; ; i++) {
    await send(conversationId, `${label}-warm-${i}`, 'warm-up');
    messagesToBob += 1;
    const live = await Promise.race([readyPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
    if (live) break;
  }
  const samples: number[] = [];
  for (let i = 0; i < sends; i++) {
    const text = `${label} ${i}`;
    const arrived = new Promise<void>((resolve) => waiting.set(text, resolve));
    const started = performance.now();
    await send(conversationId, `${label}-${i}`, text);
    messagesToBob += 1;
    await arrived;
    samples.push(performance.now() - started);
    waiting.delete(text);
  }
  dispose();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { path: label, sends, medianMs: +at(0.5).toFixed(2), p99Ms: +at(0.99).toFixed(2), maxMs: +samples.at(-1)!.toFixed(2) };
}

const results = [
  await measure('chat-subgraph-direct', direct, `subscription($id: ID) { messageAdded(conversationId: $id) { seq text sender { id } } }`, {
    authorization: `Bearer ${bob.token}`,
  }),
  await measure(
    'through-router',
    viaRouter,
    `subscription($id: ID) { messageAdded(conversationId: $id) { seq text sender { displayName } } }`,
  ),
];

// What notifications made of those messages, while bob still holds his socket.
for (let i = 0; i < controlSends; i++) await send(controlConversationId, `control-${i}`, `control ${i}`);
const controlPushes = await push.waitForReceived(carolsBrowser.id, controlSends, 30_000).then(
  (records) => records.length,
  () => push.received(carolsBrowser.id).length,
);
const events = await settledEvents(conversationId, messagesToBob);
const bobOnline = (await product.presence.read([bob.id])).get(bob.id)?.online === true;
const pushJobs = (await pool.query<{ jobs: number }>(`select count(*)::int as jobs from pgboss.job where name = 'push'`)).rows[0]!.jobs;
const notifications = {
  note: 'bob (the subscriber) has a push subscription and holds a router socket all along: he must get no push',
  bobOnlineAtTheEnd: bobOnline,
  messagesToBob,
  messageSentEventsCompleted: events.completed,
  messageSentEventsNotCompleted: events.pending,
  pushesToBob: push.received(bobsBrowser.id).length,
  pushJobs,
  control: { note: 'carol: subscribed, no socket (OFFLINE)', messages: controlSends, pushes: controlPushes },
};
const wiringHolds =
  bobOnline &&
  notifications.pushesToBob === 0 &&
  events.completed === messagesToBob &&
  events.pending === 0 &&
  controlPushes === controlSends;

await viaRouter.dispose();
await direct.dispose();
await pool.end();
await product.close();
await push.close();
await rm(mediaDir, { recursive: true, force: true });
await database.drop();

const report = {
  date: new Date().toISOString(),
  node: process.version,
  bus: product.bus.kind,
  presence: product.presence.kind,
  note: 'send → subscriber event, sequential sends, loopback',
  results,
  notifications,
};
console.table(results);
console.table({ ...notifications, control: `${controlPushes} of ${controlSends} pushed` });
if (!wiringHolds) {
  console.error('The product is not wired as in production: presence or the push pipeline is off (see "notifications" above).');
  process.exitCode = 1;
}
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(path.join(root, 'bench-results', 'message-latency.json'), JSON.stringify(report, null, 2) + '\n');
console.log('wrote bench-results/message-latency.json');

/** Waits (up to 30 s) until notifications has handled every "message sent" event of the conversation, and counts them. */
async function settledEvents(conversation: string, expected: number): Promise<{ completed: number; pending: number }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await pool.query<{ completed: number; pending: number }>(
      `select count(*) filter (where state = 'completed')::int as completed, count(*) filter (where state <> 'completed')::int as pending
         from pgboss.job where name = 'message-sent' and data->>'conversationId' = $1`,
      [conversation],
    );
    const counts = rows[0]!;
    if ((counts.completed >= expected && counts.pending === 0) || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
