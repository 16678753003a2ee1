// Measures the send path under concurrency: closed-loop callers of `sendMessage` through the
// router, against, as the baseline in the same run, exactly the transaction a durable ordered send
// needs (bump the conversation's seq, insert the row) from a plain `pg` pool, with the same callers
// over the same conversations of the same database. The product runs as `npm start` runs it
// (createProduct) on real PostgreSQL and Redis. Then it counts the PostgreSQL transactions one send
// costs (pg_stat_database over sequential sends in one direct chat, everything the product does
// meanwhile included). Prints the figures and writes them to bench-results/send.json.
import { randomBytes, randomUUID } from 'node:crypto';
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
  logger,
  production: true,
  host: '127.0.0.1',
});
const { gql, register } = benchApi(product.url);
const raw = new pg.Pool({ connectionString: database.url, max: rawPoolSize });
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

const sendDocument = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id seq } }`;
async function viaRouter(caller: number, n: number, label: string): Promise<void> {
  await gql(
    sendDocument,
    { i: { conversationId: callerConversation(caller), clientId: `${label}-${n}`, text: `hello ${n}` } },
    people[caller]!.token,
  );
}

/** The durable ordered send and nothing else: one transaction that bumps the seq and inserts the row. */
async function rawTransaction(caller: number, n: number, label: string): Promise<void> {
  const client = await raw.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ last_seq: number; last_message_at: Date }>(
      `update chat.conversation set last_seq = last_seq + 1, last_message_at = clock_timestamp() where id = $1 returning last_seq, last_message_at`,
      [callerConversation(caller)],
    );
    await client.query(
      `insert into chat.message (id, conversation_id, seq, client_id, sender_id, text, created_at, mention_ids, media_ids)
       values ($1, $2, $3, $4, $5, $6, $7, '{}', '{}')`,
      [
        randomUUID(),
        callerConversation(caller),
        rows[0]!.last_seq,
        `${label}-${n}`,
        people[caller]!.id,
        `hello ${n}`,
        rows[0]!.last_message_at,
      ],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Runs `callers` closed loops of `operation` for `forSeconds` and times each call. */
async function closedLoop(label: string, forSeconds: number, operation: (caller: number, n: number, label: string) => Promise<void>) {
  const samples: number[] = [];
  const deadline = performance.now() + forSeconds * 1000;
  const started = performance.now();
  let errors = 0;
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const begun = performance.now();
        try {
          await operation(caller, n, `${label}-${caller}`);
          samples.push(performance.now() - begun);
        } catch (error) {
          if (errors++ === 0) console.error(label, error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const at = (q: number) => +(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN).toFixed(2);
  return {
    path: label,
    callers,
    seconds: +elapsed.toFixed(2),
    operations: samples.length,
    errors,
    perSecond: +(samples.length / elapsed).toFixed(1),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
  };
}

const run = randomBytes(3).toString('hex');
await closedLoop(`warm-raw-${run}`, warmUpSeconds, rawTransaction);
await closedLoop(`warm-send-${run}`, warmUpSeconds, viaRouter);
const rawResult = await closedLoop(`raw-${run}`, seconds, rawTransaction);
const sendResult = await closedLoop(`send-${run}`, seconds, viaRouter);
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

await raw.end();
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
  note: `${callers} closed-loop callers over ${conversations} DIRECT conversations (two per conversation), ${seconds} s each after ${warmUpSeconds} s of warm-up; raw pool of ${rawPoolSize}`,
  results: [rawResult, sendResult],
  ratio,
  seqGapFree: gapFree,
  transactions,
};
console.table(report.results);
console.log(`sendMessage / raw transaction throughput: ${ratio}× (target ≥ 0.5×, p99 ≤ 50 ms); seq gap-free: ${gapFree}`);
console.log(
  `PostgreSQL transactions per send: ${perSend} (over ${sequentialSends} sequential sends; ${background} in the product's background meanwhile)`,
);
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(path.join(root, 'bench-results', 'send.json'), JSON.stringify(report, null, 2) + '\n');
console.log('wrote bench-results/send.json');
if (!gapFree || sendResult.errors > 0 || rawResult.errors > 0) process.exitCode = 1;
