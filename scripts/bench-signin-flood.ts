// What a flood of wrong sign-ins does to a normal user: BENCH_FLOOD (1,000) wrong passwords in
// BENCH_FLOOD_SECONDS (10 s), open loop, while a signed-in person sends a message every 250 ms
// through the router; their send latency is measured quiet, then during the flood. Two floods:
// one address at one account (a script), and every sign-in from another address at another
// account name (a botnet; the router trusts X-Forwarded-For here, as behind a proxy). Each runs
// against the product with the limits off and the password hashing unbounded (as before the
// limits existed: the baseline, in the same run) and with the default limits. The product runs
// as `npm start` runs it (createProduct, production) on real PostgreSQL and Redis, in this
// process. Prints the figures and writes them to bench-results/signin-flood.json.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogger, generateSigningKeys, type RateLimitSettings } from '@chirpchat/kit';
import { generateVapidKeys } from '@chirpchat/notifications';
import { createProduct } from '@chirpchat/router';
import { benchApi } from './bench-api.ts';
import { benchDatabase } from './bench-database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flood = Number(process.env.BENCH_FLOOD ?? 1000);
const floodSeconds = Number(process.env.BENCH_FLOOD_SECONDS ?? 10);
const sendIntervalMs = Number(process.env.BENCH_SEND_INTERVAL_MS ?? 250);
const quietSeconds = Number(process.env.BENCH_QUIET_SECONDS ?? 5);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Mode {
  name: 'baseline (no limits, unbounded hashing)' | 'default limits';
  rateLimits: RateLimitSettings | undefined;
  passwordHashing: { concurrency?: number; queue?: number } | undefined;
}
const modes: Mode[] = [
  { name: 'baseline (no limits, unbounded hashing)', rateLimits: 'off', passwordHashing: { concurrency: Infinity, queue: Infinity } },
  { name: 'default limits', rateLimits: undefined, passwordHashing: undefined },
];
const floods = ['one address, one account', 'a new address and account name per attempt'] as const;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round = (ms: number) => Math.round(ms * 10) / 10;
function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    sends: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? NaN),
  };
}

async function run(mode: Mode, kind: (typeof floods)[number]) {
  const database = await benchDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-flood-'));
  const product = await createProduct({
    databaseUrl: database.url,
    redisUrl,
    keys: generateSigningKeys(),
    routerSecret: randomBytes(24).toString('hex'),
    vapid: { ...generateVapidKeys(), subject: 'mailto:bench@example.com' },
    dataDir,
    mediaSecret: randomBytes(32).toString('hex'),
    rateLimits: mode.rateLimits,
    rateLimitPrefix: `bench:${randomBytes(6).toString('hex')}:limit:`,
    users: { passwordHashing: mode.passwordHashing },
    // The botnet flood sends X-Forwarded-For; a router behind a proxy believes it.
    router: { trustProxy: true },
    // The baseline's flood times out hundreds of subgraph calls, each a warning.
    logger: createLogger({ level: 'error' }),
    production: true,
    host: '127.0.0.1',
  });
  try {
    const { gql, register } = benchApi(product.url);
    const [alice, bob] = [await register('alice'), await register('bob')];
    const victim = `victim_${randomBytes(4).toString('hex')}`;
    await gql(`mutation($i: RegisterInput!) { register(input: $i) { accessToken } }`, {
      i: { username: victim, email: `${victim}@example.com`, password: 'the right passphrase 1' },
    });
    const { createConversation } = await gql<{ createConversation: { id: string } }>(
      `mutation($p: ID!) { createConversation(input: { kind: DIRECT, memberIds: [$p] }) { id } }`,
      { p: bob.id },
      alice.token,
    );
    let sent = 0;
    const send = async (): Promise<number> => {
      const started = performance.now();
      await gql(
        `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`,
        { i: { conversationId: createConversation.id, clientId: `m-${sent}`, text: `message ${sent++}` } },
        alice.token,
      );
      return performance.now() - started;
    };
    /** Alice sends every `sendIntervalMs` (open loop) for `seconds`; the latencies of her sends. */
    const sendFor = async (seconds: number): Promise<number[]> => {
      const pending: Array<Promise<number>> = [];
      const start = performance.now();
      for (let i = 0; i * sendIntervalMs < seconds * 1000; i++) {
        const due = start + i * sendIntervalMs;
        await sleep(Math.max(0, due - performance.now()));
        pending.push(send());
      }
      return Promise.all(pending);
    };
    await sendFor(1); // warm-up
    const quiet = await sendFor(quietSeconds);

    const outcomes: Record<string, number> = {};
    const attempt = async (i: number) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      let login = victim;
      if (kind !== 'one address, one account') {
        headers['x-forwarded-for'] = `198.51.${(i >> 8) & 255}.${i & 255}`;
        login = `someone_${i}`;
      }
      try {
        const response = await fetch(product.url, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            query: `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`,
            variables: { i: { login, password: `guess ${i}` } },
          }),
          signal: AbortSignal.timeout(60_000),
        });
        const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
        const code = body.errors?.[0]?.extensions?.code ?? 'OK';
        outcomes[code] = (outcomes[code] ?? 0) + 1;
      } catch {
        outcomes.TIMEOUT = (outcomes.TIMEOUT ?? 0) + 1;
      }
    };
    const floodStart = performance.now();
    const attempts: Array<Promise<void>> = [];
    const attacking = (async () => {
      for (let i = 0; i < flood; i++) {
        await sleep(Math.max(0, floodStart + (i * floodSeconds * 1000) / flood - performance.now()));
        attempts.push(attempt(i));
      }
      await Promise.all(attempts);
    })();
    const during = await sendFor(floodSeconds);
    await attacking;
    const floodAnsweredSeconds = (performance.now() - floodStart) / 1000;
    return {
      mode: mode.name,
      flood: kind,
      quiet: summary(quiet),
      duringFlood: summary(during),
      floodOutcomes: outcomes,
      passwordChecks: outcomes.UNAUTHENTICATED ?? 0,
      lastSignInAnsweredAfterSeconds: Math.round(floodAnsweredSeconds * 10) / 10,
    };
  } finally {
    await product.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const kind of floods) {
  for (const mode of modes) {
    const result = await run(mode, kind);
    console.log(
      `${kind} — ${mode.name}: send p50 ${result.quiet.p50Ms} → ${result.duringFlood.p50Ms} ms, p99 ${result.quiet.p99Ms} → ${result.duringFlood.p99Ms} ms, max ${result.duringFlood.maxMs} ms; ` +
        `sign-ins ${JSON.stringify(result.floodOutcomes)}, ${result.passwordChecks} password checks, last answered after ${result.lastSignInAnsweredAfterSeconds} s`,
    );
    results.push(result);
  }
}
const report = {
  benchmark: 'sign-in flood vs a normal user’s send latency',
  at: new Date().toISOString(),
  settings: { flood, floodSeconds, sendIntervalMs, quietSeconds },
  results,
};
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(path.join(root, 'bench-results', 'signin-flood.json'), JSON.stringify(report, null, 2) + '\n');
console.log('wrote bench-results/signin-flood.json');
process.exit(0);
