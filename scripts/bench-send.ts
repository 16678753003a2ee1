// Measures the send path under concurrency: closed-loop callers of `sendMessage` through the
// router, against, as the baseline in the same run, exactly the transaction a durable ordered send
// needs (bump the conversation's seq, insert the row) from a plain `pg` pool, with the same callers
// over the same conversations of the same database. The product runs as `npm start` runs it
// (createProduct) on real PostgreSQL and Redis, in this process; both kinds of callers run in a
// process of their own (scripts/bench-send-callers.ts), so their client CPU is not the product's,
// and the product's CPU per send is read here. Then it counts the PostgreSQL transactions one send
// costs (pg_stat_database over sequential sends in one direct chat, everything the product does
// meanwhile included). Prints the figures and writes them to bench-results/send.json.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createLogger, generateSigningKeys } from '@chirpchat/kit';
import { generateVapidKeys } from '@chirpchat/notifications';
import { createProduct } from '@chirpchat/router';
import { benchApi, type Person } from './bench-api.ts';
import { sendDocument, type LoopResult, type SendCallersRequest } from './bench-send-callers.ts';
import { benchDatabase } from './bench-database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const callers = Number(process.env.BENCH_CALLERS ?? 32);
const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 16);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmUpSeconds = Number(process.env.BENCH_WARM_UP_SECONDS ?? 3);
const sequentialSends = Number(process.env.BENCH_SEQUENTIAL_SENDS ?? 200);
/**
 * Connections of the raw baseline's pool: as many as the chat subgraph's own pool (MikroORM's
 * default in kit's openDatabase), so both sides have the same number of PostgreSQL sessions.
 */
const rawPoolSize = Number(process.env.BENCH_RAW_POOL ?? 10);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'warn' });

const database = await benchDatabase();
const mediaDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-media-'));
const product = await createProduct({
  databaseUrl: database.url,
  redisUrl,
  keys: generateSigningKeys(),
  routerSecret: randomBytes(24).toString('hex'),
  vapid: { ...generateVapidKeys(), subject: 'mailto:bench@example.com' },
  dataDir: mediaDir,
  mediaSecret: randomBytes(32).toString('hex'),
  // Raw capacity: a benchmark's few users send far faster than the per-user limits allow.
  rateLimits: 'off',
  logger,
  production: true,
  host: '127.0.0.1',
});
const { gql, register } = benchApi(product.url);
const stats = new pg.Pool({ connectionString: database.url, max: 1 });

// Callers 2i and 2i+1 are the two people of conversation i, so two callers contend for each conversation's row lock.
const people: Person[] = [];
for (let i = 0; i < callers; i++) people.push(await register(`sender${i}`));
const conversationOf: string[] = [];
for (let i = 0; i < conversations; i++) {
  const [a, b] = [people[(2 * i) % callers]!, people[(2 * i + 1) % callers]!];
  const { createConversation } = await gql<{ createConversation: { id: string } }>(
    `mutation($p: ID!) { createConversation(input: { kind: DIRECT, memberIds: [$p] }) { id } }`,
    { p: b.id },
    a.token,
  );
  conversationOf.push(createConversation.id);
}
const callerConversation = (caller: number) => conversationOf[Math.floor(caller / 2) % conversations]!;

// The callers run in a process of their own (see bench-send-callers.ts); this process is the product.
const callersProcess = fork(path.join(root, 'scripts', 'bench-send-callers.ts'), [], {
  execArgv: [],
  env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS')),
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
process.on('exit', () => callersProcess.kill('SIGKILL'));
let nextRequest = 0;
const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
callersProcess.on('message', (message: { id: number; result?: unknown; error?: string }) => {
  const waiter = waiting.get(message.id);
  waiting.delete(message.id);
  if (message.error !== undefined) waiter?.reject(new Error(message.error));
  else waiter?.resolve(message.result);
});
callersProcess.once('exit', (code) => {
  for (const waiter of waiting.values()) waiter.reject(new Error(`the callers process exited with ${code}`));
});
type Command = SendCallersRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
/** Sends the callers process a command and waits (at most `timeoutMs`) for its answer. */
function callersDo<T>(command: Command, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = nextRequest++;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the callers process did not answer ${command.cmd} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiting.set(id, {
      resolve: (value) => (clearTimeout(timer), resolve(value as T)),
      reject: (error) => (clearTimeout(timer), reject(error)),
    });
    callersProcess.send({ ...command, id });
  });
}
await callersDo({
  cmd: 'setup',
  routerUrl: product.url,
  databaseUrl: database.url,
  rawPoolSize,
  people,
  conversationOf: people.map((_, caller) => callerConversation(caller)),
});

/**
 * One closed loop in the callers process, with what it cost this process (the product): CPU ms
 * per operation, and the loop's span on CLOCK_MONOTONIC (µs, the clock of a --cpu-prof profile).
 */
async function closedLoop(path: 'raw' | 'send', label: string, forSeconds: number) {
  const cpuBefore = process.cpuUsage();
  const from = process.hrtime.bigint() / 1000n;
  const result = await callersDo<LoopResult>({ cmd: 'loop', path, label, seconds: forSeconds }, (forSeconds + 60) * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const to = process.hrtime.bigint() / 1000n;
  const productCpuMsPerOperation = +((cpu.user + cpu.system) / 1000 / Math.max(1, result.operations)).toFixed(3);
  return { ...result, productCpuMsPerOperation, monotonicUs: [Number(from), Number(to)] as [number, number] };
}

const run = randomBytes(3).toString('hex');
await closedLoop('raw', `warm-raw-${run}`, warmUpSeconds);
await closedLoop('send', `warm-send-${run}`, warmUpSeconds);
const { monotonicUs: rawSpan, ...rawResult } = await closedLoop('raw', `raw-${run}`, seconds);
const { monotonicUs: sendSpan, ...sendResult } = await closedLoop('send', `send-${run}`, seconds);
const ratio = +(sendResult.perSecond / rawResult.perSecond).toFixed(3);

/** Committed and rolled-back transactions of the database so far, once every backend has reported them. */
async function transactionsSoFar(): Promise<number> {
  // Idle backends report their counts within PostgreSQL's PGSTAT_IDLE_INTERVAL (10 s).
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const { rows } = await stats.query<{ n: string }>(
    `select pg_stat_clear_snapshot(), xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`,
  );
  return Number(rows[0]!.n);
}

/** Waits until notifications has settled every "message sent" event so far, so none of them spills into a count. */
async function settled(): Promise<number> {
  for (let polls = 1, deadline = Date.now() + 120_000; Date.now() < deadline; polls++) {
    const { rows } = await stats.query<{ pending: number }>(
      `select count(*)::int as pending from pgboss.job where name = 'message-sent' and state not in ('completed', 'failed', 'cancelled')`,
    );
    if (rows[0]!.pending === 0) return polls;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('"message sent" events still pending after 2 minutes');
}

// Transactions per send: sequential sends in one direct chat, their events settled by
// notifications, less what the product does on its own (pg-boss polls and maintenance) at the rate of
// a quiet spell measured the same way just before. Each transactionsSoFar() is itself one.
const counted = callerConversation(0);
await settled();
const quietBefore = await transactionsSoFar();
const quietStarted = performance.now();
await new Promise((resolve) => setTimeout(resolve, 5000));
const quietAfter = await transactionsSoFar();
const quietMs = performance.now() - quietStarted;
const sendsStarted = performance.now();
const sendsBefore = quietAfter;
for (let n = 0; n < sequentialSends; n++) {
  await gql(sendDocument, { i: { conversationId: counted, clientId: `count-${run}-${n}`, text: `count ${n}` } }, people[0]!.token);
}
const sequentialMs = performance.now() - sendsStarted;
// The polls of settled() are transactions of the bench's own, not the product's.
const polls = await settled();
const sendsAfter = await transactionsSoFar();
const sendsMs = performance.now() - sendsStarted;
const backgroundPerMs = (quietAfter - quietBefore - 1) / quietMs;
const background = Math.round(backgroundPerMs * sendsMs);
const perSend = +((sendsAfter - sendsBefore - 1 - polls - background) / sequentialSends).toFixed(2);
const gapFree = (
  await stats.query<{ ok: boolean }>(
    `select bool_and(c.last_seq = m.n and m.n = m.top) as ok
       from chat.conversation c join (select conversation_id, count(*) as n, max(seq) as top from chat.message group by conversation_id) m on m.conversation_id = c.id`,
  )
).rows[0]!.ok;

await callersDo({ cmd: 'close' });
callersProcess.disconnect();
await stats.end();
await product.close();
await rm(mediaDir, { recursive: true, force: true });
await database.drop();

const transactions = {
  note: 'pg_stat_database xact_commit + xact_rollback over sequential sendMessage calls in one direct chat, their events settled, less the background rate of a quiet spell',
  sequentialMs: Math.round(sequentialMs),
  backgroundPerSecond: +(backgroundPerMs * 1000).toFixed(1),
  sequentialSends,
  transactionsPerSend: perSend,
  backgroundTransactions: background,
};
const report = {
  date: new Date().toISOString(),
  node: process.version,
  note: `${callers} closed-loop callers over ${conversations} DIRECT conversations (two per conversation), ${seconds} s each after ${warmUpSeconds} s of warm-up; raw pool of ${rawPoolSize}; the callers run in a process of their own, productCpuMsPerOperation is this (the product's) process`,
  results: [rawResult, sendResult],
  /** Each measured loop's span on CLOCK_MONOTONIC, µs: the clock of a --cpu-prof profile's timestamps, to cut it to one phase. */
  monotonicUs: { raw: rawSpan, send: sendSpan },
  ratio,
  seqGapFree: gapFree,
  transactions,
};
console.log(`callers: ${callers}, in a separate process (scripts/bench-send-callers.ts); the product runs in this one`);
console.table(report.results);
console.log(`sendMessage / raw transaction throughput: ${ratio}× (target ≥ 0.5×, p99 ≤ 50 ms); seq gap-free: ${gapFree}`);
console.log(
  `PostgreSQL transactions per send: ${perSend} (over ${sequentialSends} sequential sends; ${background} in the product's background meanwhile)`,
);
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(path.join(root, 'bench-results', 'send.json'), JSON.stringify(report, null, 2) + '\n');
console.log('wrote bench-results/send.json');
if (!gapFree || sendResult.errors > 0 || rawResult.errors > 0) process.exitCode = 1;
