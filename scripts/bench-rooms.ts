// Rooms at scale (issue 13): one conversation of N members, each holding one graphql-ws socket
// with one `messageAdded` subscription (no argument) on the router, while the owner sends at a
// fixed rate through the router's `sendMessage`. The product runs as `npm start` runs it — the
// whole product in one process (router/dist/src/start-product.js) — but on real PostgreSQL (a
// fresh database) and Redis, in a child process whose CPU and RSS are read from /proc. Members
// are rows written straight into the users and chat schemas (no argon2 in the set-up), with
// access tokens signed here with the product's key; they run in 1–2 worker processes of their own
// (scripts/bench-rooms-clients.ts). Baseline in the same run: a plain `ws` broadcast server
// (scripts/bench-rooms-broadcast.ts) with the very same clients, payload and rate.
//
// Per scenario and server: deliveries/s reached, delivery latency (receive − send time carried in
// the text), what each socket lost, got twice or out of seq order, sendMessage round trips, the
// server's CPU per delivery, and its RSS per connected socket. Prints a table and writes
// bench-results/rooms.json. Options (flags, or the environment variable named in the help):
// run with --help.
import { fork, spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, print, visit, type FragmentDefinitionNode } from 'graphql';
import pg from 'pg';
import { createTokenSigner, freePort, generateSigningKeys } from '@chirpchat/kit';
import { benchApi } from './bench-api.ts';
import { benchDatabase } from './bench-database.ts';
import type { ConnectResult, ResultsResult, RoomsWorkerRequest, StatusResult } from './bench-rooms-clients.ts';
import { roomsSubscription, roomsText } from './bench-rooms-clients.ts';
import { printProfileSummary, summarizeCpuProfile, type ProfileSummary } from './cpu-profile-summary.ts';
import { heapGrowth, printHeapSummary, summarizeHeapSnapshot } from './heap-snapshot-summary.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scripts = path.join(root, 'scripts');

const { values: flags } = parseArgs({
  options: {
    scenarios: { type: 'string' },
    seconds: { type: 'string' },
    'drain-seconds': { type: 'string' },
    'probe-seconds': { type: 'string' },
    'connect-seconds': { type: 'string' },
    workers: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'string' },
    'heap-snapshot': { type: 'boolean' },
    document: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (flags.help) {
  console.log(`node scripts/bench-rooms.ts [options]   (npm run bench:rooms -- [options])
  --scenarios LIST       BENCH_ROOMS_SCENARIOS        members@rate[:GROUP|CHANNEL],…   default 200@5,200@10,1000@10,10000@1:CHANNEL
  --seconds S            BENCH_ROOMS_SECONDS          sending time per scenario and server   default 15
  --drain-seconds S      BENCH_ROOMS_DRAIN_SECONDS    wait for deliveries after the last send answered, then count the rest lost   default 30
  --probe-seconds S      BENCH_ROOMS_PROBE_SECONDS    at most this long to see every subscription live   default 120
  --connect-seconds S    BENCH_ROOMS_CONNECT_SECONDS  at most this long to open the sockets   default 180
  --workers K            BENCH_ROOMS_WORKERS          client processes   default 2
  --only router|ws       BENCH_ROOMS_ONLY             measure only the router, or only the plain ws baseline
  --profile all|LIST     BENCH_ROOMS_PROFILE          run the product with --cpu-prof in these scenarios (e.g. 200@10); profiles go to
                                                      bench-results/profiles/, their top entries to the report (profiling costs CPU: the figures
                                                      of a profiled run are not comparable)
  --heap-snapshot        BENCH_ROOMS_HEAP_SNAPSHOT=1  write V8 heap snapshots of the product before the sockets and once every subscription
                                                      is live (to bench-results/profiles/); what the sockets added, by kind, goes to the
                                                      report (snapshots cost memory and time: the figures of such a run are not comparable)
  --document plain|app   BENCH_ROOMS_DOCUMENT         what the members subscribe to: plain = messageAdded { id seq text sender { id displayName } };
                                                      app = the web app's own MessageAdded (web/src/graphql/operations), whose @viewer
                                                      fields make it per viewer   default plain
  --out FILE             BENCH_ROOMS_OUT              default bench-results/rooms.json
  DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test: a fresh database is made on that server and dropped), REDIS_URL.`);
  process.exit(0);
}
const option = (flag: string | undefined, env: string, fallback: string) => flag ?? process.env[env] ?? fallback;
const seconds = Number(option(flags.seconds, 'BENCH_ROOMS_SECONDS', '15'));
const drainMs = 1000 * Number(option(flags['drain-seconds'], 'BENCH_ROOMS_DRAIN_SECONDS', '30'));
const probeMs = 1000 * Number(option(flags['probe-seconds'], 'BENCH_ROOMS_PROBE_SECONDS', '120'));
const connectMs = 1000 * Number(option(flags['connect-seconds'], 'BENCH_ROOMS_CONNECT_SECONDS', '180'));
const workerCount = Math.max(1, Number(option(flags.workers, 'BENCH_ROOMS_WORKERS', '2')));
const only = option(flags.only, 'BENCH_ROOMS_ONLY', '');
const profileOption = option(flags.profile, 'BENCH_ROOMS_PROFILE', '');
const heapSnapshot = flags['heap-snapshot'] === true || process.env.BENCH_ROOMS_HEAP_SNAPSHOT === '1';
const out = path.resolve(root, option(flags.out, 'BENCH_ROOMS_OUT', 'bench-results/rooms.json'));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
if (only && only !== 'router' && only !== 'ws') throw new Error(`--only must be router or ws, not ${only}`);
const documentOption = option(flags.document, 'BENCH_ROOMS_DOCUMENT', 'plain');
if (documentOption !== 'plain' && documentOption !== 'app') throw new Error(`--document must be plain or app, not ${documentOption}`);
// The client processes inherit it (see bench-rooms-clients.ts); the plain ws baseline sends the plain event either way.
if (documentOption === 'app') process.env.BENCH_ROOMS_QUERY = appMessageAdded();
const subscriptionText = process.env.BENCH_ROOMS_QUERY || roomsSubscription;

interface Scenario {
  label: string;
  members: number;
  rate: number;
  kind: 'GROUP' | 'CHANNEL';
}
const scenarios: Scenario[] = option(flags.scenarios, 'BENCH_ROOMS_SCENARIOS', '200@5,200@10,1000@10,10000@1:CHANNEL')
  .split(',')
  .map((text) => {
    const match = /^(\d+)@(\d+(?:\.\d+)?)(?::(GROUP|CHANNEL))?$/i.exec(text.trim());
    if (!match) throw new Error(`a scenario is members@rate[:GROUP|CHANNEL], e.g. 1000@10, not ${JSON.stringify(text)}`);
    const kind = (match[3]?.toUpperCase() ?? 'GROUP') as Scenario['kind'];
    return {
      label: `${match[1]}@${match[2]}${kind === 'CHANNEL' ? ':CHANNEL' : ''}`,
      members: Number(match[1]),
      rate: Number(match[2]),
      kind,
    };
  });
const profiled = (scenario: Scenario) =>
  profileOption === 'all' || profileOption.split(',').some((entry) => entry.trim() && scenario.label.startsWith(entry.trim()));

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// CLOCK_MONOTONIC in ms: one clock for every process on the machine, and unlike
// performance.timeOrigin + performance.now() it does not jump when the wall clock is stepped
// (this VM's was, by seconds, in the middle of a run).
const epochNow = () => Number(process.hrtime.bigint()) / 1e6;
const at = (sorted: number[], q: number) =>
  sorted.length ? +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1) : null;

/** CPU time a process has used so far (user + system), µs, from /proc. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

/** Resident memory of a process, bytes, from /proc. */
function rssBytes(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) * 1024 : 0;
}

/** Waits until a process uses less than 10 % of a core over 500 ms (at most `limitMs`); answers whether it did. */
async function settle(pid: number, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const before = cpuMicros(pid);
    await sleep(500);
    if (cpuMicros(pid) - before < 50_000) return true;
  }
  return false;
}

// ── Child processes, all of them ended on the way out ─────────────────────────────────────────
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Ends a child: SIGTERM (the product then closes and exits, writing its profile), SIGKILL after `graceMs`. */
async function stop(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  children.delete(child);
}

/** A server under test: the product, or the plain ws baseline. */
interface Target {
  pid: number;
  /** Where the members connect. */
  wsUrl: string;
  /** Sends one message as the owner; answers when the server acknowledged it. */
  send(text: string, clientId: string): Promise<void>;
  close(): Promise<{ profile?: string }>;
  output(): string;
}

async function startProduct(scenario: Scenario | null, conversationId: string, ownerToken: string): Promise<Target> {
  const port = await freePort();
  const profile =
    scenario && profiled(scenario)
      ? { dir: path.join(root, 'bench-results', 'profiles'), name: `rooms-${scenario.members}x${scenario.rate}-${Date.now()}.cpuprofile` }
      : null;
  if (profile) await mkdir(profile.dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile.dir, '--cpu-prof-name', profile.name] : []),
      ...(heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.join(root, 'bench-results', 'profiles')}`] : []),
      path.join(root, 'router/dist/src/start-product.js'),
    ],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl,
        DATA_DIR: dataDir,
        JWT_PRIVATE_KEY: keys.privateKey,
        JWT_PUBLIC_KEY: keys.publicKey,
        // Raw capacity: one sender posts far faster than the per-user limits allow.
        RATE_LIMITS: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the product exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`the product did not answer /health within 90 s:\n${output}`);
    }
    await sleep(250);
  }
  const { gql } = benchApi(url);
  return {
    pid: child.pid!,
    wsUrl: url.replace(/^http/, 'ws'),
    send: async (text, clientId) => {
      await gql(
        `mutation($i: SendMessageInput!) { sendMessage(input: $i) { seq } }`,
        { i: { conversationId, clientId, text } },
        ownerToken,
      );
    },
    close: async () => {
      await stop(child);
      return { profile: profile && existsSync(path.join(profile.dir, profile.name)) ? path.join(profile.dir, profile.name) : undefined };
    },
    output: () => output,
  };
}

async function startBroadcast(): Promise<Target> {
  const child = fork(path.join(scripts, 'bench-rooms-broadcast.ts'), [], {
    execArgv: [],
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the plain ws server did not start within 30 s:\n${output}`)), 30_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code) => reject(new Error(`the plain ws server exited with ${code}:\n${output}`)));
  });
  return {
    pid: child.pid!,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    send: async (text) => {
      const response = await fetch(`http://127.0.0.1:${port}/broadcast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`broadcast answered ${response.status}`);
      await response.body?.cancel();
    },
    close: async () => {
      await stop(child, 5000);
      return {};
    },
    output: () => output,
  };
}

/** The environment of the client and baseline processes: ours, without NODE_OPTIONS (a profiler meant for the bench itself). */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

// ── The client processes ──────────────────────────────────────────────────────────────────────
type Command = RoomsWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Worker {
  request<T>(command: Command, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

function startWorker(): Worker {
  const child = fork(path.join(scripts, 'bench-rooms-clients.ts'), [], {
    execArgv: [],
    env: childEnv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  let nextId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`a client process exited with ${code}`));
    pending.clear();
  });
  const request = <T>(command: Command, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`a client process did not answer ${command.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...command, id });
    });
  return {
    request,
    async close() {
      await request({ cmd: 'close' }, 30_000).catch(() => undefined);
      if (child.connected) child.disconnect();
      await stop(child, 5000);
    },
  };
}

/** Has the product write a heap snapshot (it runs with --heapsnapshot-signal); resolves with its file once written. */
async function writeHeapSnapshot(pid: number): Promise<string> {
  const dir = path.join(root, 'bench-results', 'profiles');
  await mkdir(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 300_000;
  for (;;) {
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    // The file is complete once the product is idle again and its size stops changing.
    if (file) {
      await settle(pid, 300_000);
      const size = () => statSync(path.join(dir, file)).size;
      let last = -1;
      while (size() !== last) {
        last = size();
        await sleep(2000);
      }
      return path.join(dir, file);
    }
    if (Date.now() > deadline) throw new Error('no heap snapshot within 5 minutes');
    await sleep(1000);
  }
}

/** What the sockets added to the heap, by kind, per socket: the snapshot with them less the one before them. */
async function heapPerSocket(before: string, after: string, sockets: number): Promise<string> {
  const growth = heapGrowth(await summarizeHeapSnapshot(before), await summarizeHeapSnapshot(after));
  printHeapSummary(growth, 20, sockets);
  return `${Math.round(growth.totalBytes / sockets)} B of live heap objects per socket (${path.basename(after)} − ${path.basename(before)})`;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

interface Status {
  withProbe: number;
  measured: number;
  lastMeasuredAt: number;
  closed: number;
  cpuMicros: number;
}
async function status(workers: Worker[], probe = 0): Promise<Status> {
  const all = await Promise.all(workers.map((worker) => worker.request<StatusResult>({ cmd: 'status', probe })));
  return {
    withProbe: sum(all.map((s) => s.withProbe)),
    measured: sum(all.map((s) => s.measured)),
    lastMeasuredAt: Math.max(...all.map((s) => s.lastMeasuredAt)),
    closed: sum(all.map((s) => s.closed)),
    cpuMicros: sum(all.map((s) => s.cpuMicros)),
  };
}

// ── One scenario on one server ────────────────────────────────────────────────────────────────
async function measure(scenario: Scenario, server: 'router' | 'ws') {
  const runTag = randomUUID().slice(0, 8);
  const members = people.slice(1, scenario.members + 1);
  let target: Target;
  if (server === 'router') {
    const conversationId = await createRoom(scenario, members);
    target = await startProduct(scenario, conversationId, people[0]!.token);
  } else target = await startBroadcast();
  const total = Math.round(scenario.rate * seconds);
  const workers: Worker[] = [];
  const notes: string[] = [];

  try {
    if (!(await settle(target.pid, 30_000))) notes.push('the server was still busy 30 s after start-up');
    const rssBefore = rssBytes(target.pid);
    const heapBefore = heapSnapshot && server === 'router' ? await writeHeapSnapshot(target.pid) : null;
    for (let i = 0; i < Math.min(workerCount, members.length); i++) workers.push(startWorker());

    // 1. Sockets: each worker opens its share, a limited number at a time.
    const connectStarted = performance.now();
    const connectDeadline = Date.now() + connectMs;
    const shares = workers.map((_, w) => members.filter((_, i) => i % workers.length === w).map((person) => person.token));
    const connects = await Promise.all(
      workers.map((worker, w) =>
        worker.request<ConnectResult>(
          {
            cmd: 'connect',
            url: target.wsUrl,
            tokens: shares[w]!,
            messages: total,
            concurrency: 50,
            timeoutMs: 30_000,
            deadline: connectDeadline,
          },
          connectMs + 60_000,
        ),
      ),
    );
    const connected = sum(connects.map((c) => c.connected));
    const connectFailures = sum(connects.map((c) => c.failed));
    const connectSeconds = +((performance.now() - connectStarted) / 1000).toFixed(1);
    if (connectFailures)
      notes.push(
        `${connectFailures} sockets did not connect: ${connects
          .flatMap((c) => c.firstErrors)
          .slice(0, 3)
          .join('; ')}`,
      );
    console.log(`  ${server}: ${connected} of ${members.length} sockets connected in ${connectSeconds} s; probing …`);

    // 2. Probes until every socket has one: then every subscription is live (probes are not in the figures).
    const probeStarted = performance.now();
    const probeDeadline = Date.now() + probeMs;
    let probe = 0;
    let live = 0;
    while (live < connected && Date.now() < probeDeadline) {
      probe += 1;
      await target
        .send(roomsText.probe(probe), `rooms-${runTag}-probe-${probe}`)
        .catch((error: Error) => notes.push(`probe ${probe}: ${error.message}`));
      let best = -1;
      let lastGain = Date.now();
      while (Date.now() < probeDeadline) {
        await sleep(200);
        live = (await status(workers, probe)).withProbe;
        if (live >= connected) break;
        if (live > best) [best, lastGain] = [live, Date.now()];
        else if (Date.now() - lastGain > 5000) break; // nothing new for 5 s: some subscriptions were not live yet, probe again
      }
    }
    const probeSeconds = +((performance.now() - probeStarted) / 1000).toFixed(1);
    if (live < connected) notes.push(`only ${live} of ${connected} subscriptions were seen live after ${probeSeconds} s of probes`);
    if (!(await settle(target.pid, 30_000))) notes.push('the server was still busy 30 s after the probes');
    const rssAfter = rssBytes(target.pid);
    if (heapBefore) {
      notes.push(`heap: ${await heapPerSocket(heapBefore, await writeHeapSnapshot(target.pid), connected)}`);
      notes.push('heap snapshots were taken: RSS and latency figures of this run are not comparable');
    }
    console.log(
      `  ${server}: ${live} subscriptions live after ${probe} probe(s), ${probeSeconds} s; sending ${total} messages at ${scenario.rate}/s …`,
    );

    // 3. The load: open loop at the rate, each send due at its time whether or not earlier ones answered.
    const acknowledged: number[] = [];
    const sendMs: number[] = [];
    let failedSends = 0;
    const cpuBefore = cpuMicros(target.pid);
    const clientCpuBefore = (await status(workers)).cpuMicros;
    const started = performance.now();
    const startedEpoch = epochNow();
    const sends: Promise<void>[] = [];
    const sendOne = async (n: number) => {
      const sentAt = performance.now();
      const sentOnClock = epochNow();
      try {
        await target.send(roomsText.measured(n, sentOnClock), `rooms-${runTag}-${n}`);
        sendMs.push(performance.now() - sentAt);
        acknowledged.push(n);
      } catch (error) {
        failedSends += 1;
        if (failedSends <= 3) notes.push(`send ${n} failed: ${(error as Error).message}`);
      }
    };
    await new Promise<void>((resolve) => {
      let issued = 0;
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * scenario.rate) + 1);
        while (issued < due) sends.push(sendOne(issued++));
        if (issued >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
    await Promise.all(sends);
    const lastSendAnswered = performance.now();

    // 4. Wait (bounded) for the deliveries; the CPU window ends when all are there or the wait does.
    const expected = acknowledged.length * connected;
    let current = await status(workers);
    while (current.measured < expected && performance.now() < lastSendAnswered + drainMs) {
      await sleep(100);
      current = await status(workers);
    }
    const windowMs = performance.now() - started;
    const cpu = cpuMicros(target.pid) - cpuBefore;
    const clientCpu = current.cpuMicros - clientCpuBefore;
    const waitedMs = performance.now() - lastSendAnswered;

    const results = await Promise.all(workers.map((worker) => worker.request<ResultsResult>({ cmd: 'results', acknowledged }, 60_000)));
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const delivered = latencies.length;
    sendMs.sort((a, b) => a - b);
    for (const error of results.flatMap((r) => r.firstErrors).slice(0, 3)) notes.push(`client: ${error}`);
    const reachedSeconds = current.lastMeasuredAt > 0 ? (current.lastMeasuredAt - startedEpoch) / 1000 : 0;
    return {
      server,
      sockets: { wanted: members.length, connected, connectSeconds, live, probes: probe, probeSeconds, closedDuringRun: current.closed },
      messages: {
        planned: total,
        acknowledged: acknowledged.length,
        failed: failedSends,
        sendSeconds: +((lastSendAnswered - started) / 1000).toFixed(1),
      },
      deliveries: {
        expected,
        delivered,
        lost: sum(results.map((r) => r.lost)),
        duplicates: sum(results.map((r) => r.duplicates)),
        outOfOrder: sum(results.map((r) => r.outOfOrder)),
        ofUnacknowledgedSends: sum(results.map((r) => r.unacknowledged)),
        waitedAfterLastSendSeconds: +(waitedMs / 1000).toFixed(1),
        perSecondReached: reachedSeconds > 0 ? Math.round(delivered / reachedSeconds) : 0,
        perSecondOffered: Math.round(scenario.rate * connected),
      },
      deliveryMs: { p50: at(latencies, 0.5), p90: at(latencies, 0.9), p99: at(latencies, 0.99), max: at(latencies, 1) },
      sendMs: { p50: at(sendMs, 0.5), p99: at(sendMs, 0.99), max: at(sendMs, 1) },
      cpu: {
        windowSeconds: +(windowMs / 1000).toFixed(1),
        serverSeconds: +(cpu / 1e6).toFixed(2),
        serverCoreShare: +(cpu / 1000 / windowMs).toFixed(2),
        microsPerDelivery: delivered ? Math.round(cpu / delivered) : null,
        clientsCoreShare: +(clientCpu / 1000 / windowMs).toFixed(2),
      },
      rss: {
        beforeSockets: rssBefore,
        afterSockets: rssAfter,
        bytesPerSocket: connected ? Math.round((rssAfter - rssBefore) / connected) : null,
      },
      notes,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
    const closed = await target.close();
    const logged = target
      .output()
      .split('\n')
      .filter((line) => line.trim());
    if (logged.length) console.log(`  ${server} logged ${logged.length} lines; the last: ${logged.at(-1)!.slice(0, 300)}`);
    if (closed.profile) profiles.push({ scenario: scenario.label, file: closed.profile });
  }
}

// ── Set-up: a database, members as rows, tokens ───────────────────────────────────────────────
const database = await benchDatabase();
const scratch = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-rooms-'));
const dataDir = path.join(scratch, 'data');
const keys = generateSigningKeys();
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
const profiles: Array<{ scenario: string; file: string; summary?: ProfileSummary }> = [];
interface Person {
  id: string;
  token: string;
}
let people: Person[] = [];
/** A fixed argon2id hash (the column is NOT NULL); nobody signs in with a password here. */
const passwordHash = '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0YmVuY2g$3h7Gq6qCq0h0mB1gX0cS7mQw0s2k8m8Vb9bK0yQ3y7I';

/** The owner (people[0]) and `count` members, as rows of users.users, and an access token for each. */
async function createPeople(count: number): Promise<Person[]> {
  const ids = Array.from({ length: count + 1 }, () => randomUUID());
  await pool.query(
    `insert into users.users (id, username, email, display_name, password_hash, created_at, updated_at)
     select id, 'bench_' || i, 'bench_' || i || '@example.com', case when i = 1 then 'Bench owner' else 'Member ' || (i - 1) end, $2, now(), now()
       from unnest($1::uuid[]) with ordinality as t(id, i)`,
    [ids, passwordHash],
  );
  const sign = await createTokenSigner(keys.privateKey, 6 * 3600);
  const created: Person[] = [];
  for (const id of ids) created.push({ id, token: (await sign(id)).token });
  return created;
}

/** The scenario's conversation, owned by people[0], with `members`, as rows of the chat schema. */
async function createRoom(scenario: Scenario, members: Person[]): Promise<string> {
  const id = randomUUID();
  await pool.query(`insert into chat.conversation (id, kind, title, created_at, last_seq) values ($1, $2, $3, now(), 0)`, [
    id,
    scenario.kind,
    `Bench room ${scenario.label}`,
  ]);
  await pool.query(
    `insert into chat.member (conversation_id, user_id, role, joined_at, last_delivered_seq, last_read_seq)
     select $1, user_id, case when user_id = $3 then 'OWNER' else 'MEMBER' end, now(), 0, 0 from unnest($2::text[]) as t(user_id)`,
    [id, [people[0]!.id, ...members.map((person) => person.id)], people[0]!.id],
  );
  return id;
}

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  setup: {
    scenarios: scenarios.map((s) => s.label),
    secondsPerScenario: seconds,
    drainSeconds: drainMs / 1000,
    clientProcesses: workerCount,
    clockTicks,
    subscription: subscriptionText,
    note:
      'product: router/dist/src/start-product.js in its own process (NODE_ENV=production, real PostgreSQL and Redis), started afresh for each ' +
      'scenario; members: rows in users/chat, one graphql-ws socket each in the client processes; the owner (no socket) sends at the rate; ' +
      'delivery latency = receive time − send start; lost = acknowledged sends a socket had not got when the wait ended; CPU per delivery = ' +
      "the server process's CPU from the first send until all deliveries arrived (or the wait ended) / deliveries; RSS per socket = " +
      '(RSS with every subscription live − RSS before the sockets) / sockets; plain ws: scripts/bench-rooms-broadcast.ts, same clients',
  },
};
const results: Array<{ scenario: Scenario; router?: Awaited<ReturnType<typeof measure>>; ws?: Awaited<ReturnType<typeof measure>> }> = [];
let failure: unknown;
const interrupted = new Promise<never>((_, reject) => process.once('SIGINT', () => reject(new Error('interrupted'))));
try {
  await Promise.race([
    interrupted,
    (async () => {
      for (const scenario of scenarios) {
        console.log(`${scenario.label}: ${scenario.members} members (${scenario.kind}), ${scenario.rate} messages/s for ${seconds} s`);
        const entry: (typeof results)[number] = { scenario };
        results.push(entry);
        if (only !== 'ws') {
          // The product's migrations make the tables: members are written once it has started the first time.
          if (people.length === 0) await startProduct(null, '', '').then((target) => target.close());
          if (people.length < scenario.members + 1) {
            people = await createPeople(Math.max(...scenarios.map((s) => s.members)));
          }
          entry.router = await measure(scenario, 'router');
        }
        if (only !== 'router') {
          if (people.length < scenario.members + 1) people = await fakePeople(Math.max(...scenarios.map((s) => s.members)));
          entry.ws = await measure(scenario, 'ws');
        }
      }
    })(),
  ]);
} catch (error) {
  failure = error;
  console.error('the benchmark failed:', error);
} finally {
  for (const child of [...children]) await stop(child, 10_000);
  await pool.end().catch(() => undefined);
  await database.drop().catch((error: unknown) => console.error('could not drop the database:', error));
  await rm(scratch, { recursive: true, force: true });
}

/** Members for the plain ws baseline alone (--only ws): it checks no tokens. */
async function fakePeople(count: number): Promise<Person[]> {
  return Array.from({ length: count + 1 }, () => ({ id: randomUUID(), token: 'unchecked' }));
}

for (const profile of profiles) {
  profile.summary = await summarizeCpuProfile(profile.file, 20);
  console.log(`CPU profile of the product, ${profile.scenario}:`);
  printProfileSummary(profile.summary);
}

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
const table = results.map(({ scenario, router, ws }) => ({
  members: `${scenario.members}${scenario.kind === 'CHANNEL' ? ' (channel)' : ''}`,
  'msg/s': scenario.rate,
  'deliveries/s reached': router ? `${router.deliveries.perSecondReached} of ${router.deliveries.perSecondOffered}` : '–',
  'delivery p50 / p99': router ? `${ms(router.deliveryMs.p50)} / ${ms(router.deliveryMs.p99)}` : '–',
  'lost / dup / out of order': router
    ? `${router.deliveries.lost} / ${router.deliveries.duplicates} / ${router.deliveries.outOfOrder} of ${router.deliveries.expected}`
    : '–',
  'sendMessage p50 / p99': router ? `${ms(router.sendMs.p50)} / ${ms(router.sendMs.p99)}` : '–',
  'router CPU µs/delivery': router?.cpu.microsPerDelivery ?? '–',
  'plain ws p99': ws ? ms(ws.deliveryMs.p99) : '–',
  'plain ws CPU µs/delivery': ws?.cpu.microsPerDelivery ?? '–',
  'RSS B/socket router / ws': `${router?.rss.bytesPerSocket ?? '–'} / ${ws?.rss.bytesPerSocket ?? '–'}`,
}));
console.table(table);
for (const { scenario, router, ws } of results)
  for (const run of [router, ws]) if (run?.notes.length) console.log(`${scenario.label} ${run.server}: ${run.notes.join(' | ')}`);

report.results = results.map(({ scenario, router, ws }) => ({ ...scenario, router, plainWs: ws }));
report.profiles = profiles.map(({ scenario, file, summary }) => ({ scenario, file: path.relative(root, file), summary }));
if (failure) report.failure = String((failure as Error)?.stack ?? failure);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${path.relative(root, out)}`);
// On failure a scenario's timers may still be pending: do not wait for them.
if (failure) process.exit(1);

/** The web app's MessageAdded subscription with the fragments it uses, as the app sends it. */
function appMessageAdded(): string {
  const operations = path.join(root, 'web', 'src', 'graphql', 'operations');
  const source = readdirSync(operations)
    .filter((name) => name.endsWith('.graphql'))
    .map((name) => readFileSync(path.join(operations, name), 'utf8'))
    .join('\n');
  const definitions = parse(source).definitions;
  const fragments = new Map(
    definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
  );
  const operation = definitions.find((d) => d.kind === 'OperationDefinition' && d.name?.value === 'MessageAdded');
  if (!operation) throw new Error(`no MessageAdded subscription in ${operations}`);
  const used = new Map<string, FragmentDefinitionNode>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`fragment ${name} is not defined in ${operations}`);
        used.set(name, fragment);
        collect(fragment);
      },
    });
  collect(operation);
  return [operation, ...used.values()].map((d) => print(d)).join('\n\n');
}
