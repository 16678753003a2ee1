// The callers of the send benchmark (scripts/bench-send.ts), in a process of their own so that
// their HTTP and pg client CPU is not the product's: the raw baseline's callers and the
// sendMessage callers alike, so the ratio stays fair. Driven over the IPC channel of `fork`:
// see SendCallersRequest for the commands.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { benchApi, type Person } from './bench-api.ts';

/** What the callers act on: caller i is `people[i]`, sending into `conversationOf[i]`. */
export interface SendCallersSetup {
  routerUrl: string;
  databaseUrl: string;
  /** Connections of the raw baseline's pool. */
  rawPoolSize: number;
  people: Person[];
  conversationOf: string[];
}

/** The commands the callers process answers, each with the `id` its answer repeats. */
export type SendCallersRequest =
  | ({ id: number; cmd: 'setup' } & SendCallersSetup)
  | {
      id: number;
      cmd: 'loop';
      /** `raw`: the bare transaction from a pg pool; `send`: sendMessage through the router. */
      path: 'raw' | 'send';
      /** Prefixes the clientIds, so that every loop's are new. */
      label: string;
      seconds: number;
    }
  | { id: number; cmd: 'close' };

/** One closed loop's figures. */
export interface LoopResult {
  path: string;
  callers: number;
  seconds: number;
  operations: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export const sendDocument = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id seq } }`;

let setup: SendCallersSetup;
let raw: pg.Pool;
let gql: ReturnType<typeof benchApi>['gql'];

async function viaRouter(caller: number, clientId: string, text: string): Promise<void> {
  await gql(sendDocument, { i: { conversationId: setup.conversationOf[caller], clientId, text } }, setup.people[caller]!.token);
}

/** The durable ordered send and nothing else: one transaction that bumps the seq and inserts the row. */
async function rawTransaction(caller: number, clientId: string, text: string): Promise<void> {
  const conversationId = setup.conversationOf[caller]!;
  const client = await raw.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ last_seq: number; last_message_at: Date }>(
      `update chat.conversation set last_seq = last_seq + 1, last_message_at = clock_timestamp() where id = $1 returning last_seq, last_message_at`,
      [conversationId],
    );
    await client.query(
      `insert into chat.message (id, conversation_id, seq, client_id, sender_id, text, created_at, mention_ids, media_ids)
       values ($1, $2, $3, $4, $5, $6, $7, '{}', '{}')`,
      [randomUUID(), conversationId, rows[0]!.last_seq, clientId, setup.people[caller]!.id, text, rows[0]!.last_message_at],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Runs one closed loop per caller of `path` for `seconds` and times each call. */
async function closedLoop(path: 'raw' | 'send', label: string, seconds: number): Promise<LoopResult> {
  const operation = path === 'raw' ? rawTransaction : viaRouter;
  const callers = setup.people.length;
  const samples: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let errors = 0;
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const begun = performance.now();
        try {
          await operation(caller, `${label}-${caller}-${n}`, `hello ${n}`);
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

async function answer(request: SendCallersRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'setup':
      setup = request;
      raw = new pg.Pool({ connectionString: request.databaseUrl, max: request.rawPoolSize });
      gql = benchApi(request.routerUrl).gql;
      return null;
    case 'loop':
      return closedLoop(request.path, request.label, request.seconds);
    case 'close':
      return raw?.end();
  }
}

process.on('message', (request: SendCallersRequest) => {
  answer(request).then(
    (result) => process.send!({ id: request.id, result }),
    (error: unknown) => process.send!({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The parent disconnects when it is done, or goes away (a crash, Ctrl-C): the callers go with it.
process.on('disconnect', () => process.exit(0));
