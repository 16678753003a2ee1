// The members of the rooms benchmark (scripts/bench-rooms.ts), in a process of their own so that
// their CPU is not the server's: each holds one graphql-ws socket with one `messageAdded`
// subscription, times every delivery against the send time carried in its text, and checks its
// own sequence (nothing lost, nothing twice, nothing out of order). Driven over the IPC channel
// of `fork`: see RoomsWorkerRequest for the commands.
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

/** What a member subscribes to, through the router or the plain `ws` baseline alike. */
export const roomsSubscription = 'subscription { messageAdded { id seq text sender { id displayName } } }';

/** The document the members subscribe with: `roomsSubscription`, or another the parent passes (--document app). */
const subscriptionQuery = process.env.BENCH_ROOMS_QUERY || roomsSubscription;

/** The texts the sender sends: probes (to see that every subscription is live) and measured messages. */
export const roomsText = {
  probe: (k: number) => `probe ${k}`,
  measured: (n: number, sentAt: number) => `m ${n} ${sentAt}`,
};

/** The commands a worker answers, each with the `id` its answer repeats. */
export type RoomsWorkerRequest =
  | {
      id: number;
      cmd: 'connect';
      url: string;
      tokens: string[];
      /** How many measured messages will be sent (their indices are 0 … messages − 1). */
      messages: number;
      concurrency: number;
      /** For each socket's connection_ack. */
      timeoutMs: number;
      /** Epoch ms after which no more sockets are opened (the rest count as failed). */
      deadline: number;
    }
  | { id: number; cmd: 'status'; probe: number }
  | { id: number; cmd: 'results'; acknowledged: number[] }
  | { id: number; cmd: 'close' };

export interface ConnectResult {
  connected: number;
  failed: number;
  firstErrors: string[];
}

export interface StatusResult {
  /** Sockets that have seen probe `probe` (or a later one). */
  withProbe: number;
  /** Deliveries of measured messages so far. */
  measured: number;
  /** When the latest measured delivery arrived (epoch ms, comparable across processes), 0 if none. */
  lastMeasuredAt: number;
  /** Sockets closed since they connected, or whose subscription ended or failed. */
  closed: number;
  /** This process's CPU time so far, µs (user + system). */
  cpuMicros: number;
}

export interface ResultsResult {
  /** Receive time − send time of every measured delivery, ms. */
  latencies: number[];
  /** Acknowledged messages a socket never got, summed over the sockets. */
  lost: number;
  duplicates: number;
  /** Deliveries whose seq was lower than one this socket had already had. */
  outOfOrder: number;
  /** Deliveries of measured messages whose send was not acknowledged (failed or timed out). */
  unacknowledged: number;
  firstErrors: string[];
}

interface Member {
  client: Client;
  lastProbe: number;
  maxSeq: number;
  /** Which measured messages this socket had, by index. */
  seen: Uint8Array;
  dispose?: () => void;
  closed: boolean;
}

// The sender's clock (see bench-rooms.ts): CLOCK_MONOTONIC, shared by every process on the machine.
const now = () => Number(process.hrtime.bigint()) / 1e6;
const members: Member[] = [];
const latencies: number[] = [];
const errors: string[] = [];
let measured = 0;
let lastMeasuredAt = 0;
let duplicates = 0;
let outOfOrder = 0;
let closed = 0;
let messages = 0;

function noteError(message: string) {
  if (errors.length < 10) errors.push(message);
}

function markClosed(member: Member) {
  if (member.closed) return;
  member.closed = true;
  closed += 1;
}

function deliver(member: Member, event: { seq: number; text: string | null }) {
  const at = now();
  const [kind, first, second] = (event.text ?? '').split(' ');
  if (kind === 'probe') {
    member.lastProbe = Math.max(member.lastProbe, Number(first));
    member.maxSeq = Math.max(member.maxSeq, event.seq);
    return;
  }
  const n = Number(first);
  if (kind !== 'm' || !(n >= 0 && n < messages)) return noteError(`unexpected text ${JSON.stringify(event.text)}`);
  if (member.seen[n]) {
    duplicates += 1;
    return;
  }
  member.seen[n] = 1;
  if (event.seq < member.maxSeq) outOfOrder += 1;
  member.maxSeq = Math.max(member.maxSeq, event.seq);
  measured += 1;
  lastMeasuredAt = at;
  latencies.push(at - Number(second));
}

/** Opens one socket, resolves once the server acknowledged it, then subscribes. */
function connectOne(url: string, token: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const member: Member = {
      client: undefined as unknown as Client,
      lastProbe: 0,
      maxSeq: 0,
      seen: new Uint8Array(messages),
      closed: false,
    };
    let acknowledged = false;
    const timer = setTimeout(() => {
      reject(new Error(`no connection_ack within ${timeoutMs} ms`));
      void member.client.dispose();
    }, timeoutMs);
    member.client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      retryAttempts: 0,
      connectionAckWaitTimeout: timeoutMs,
      on: {
        connected: () => {
          acknowledged = true;
          clearTimeout(timer);
          members.push(member);
          member.dispose = member.client.subscribe<{ messageAdded: { seq: number; text: string | null } }>(
            { query: subscriptionQuery },
            {
              next: ({ data, errors: graphqlErrors }) => {
                if (graphqlErrors) noteError(JSON.stringify(graphqlErrors));
                if (data?.messageAdded) deliver(member, data.messageAdded);
              },
              error: (error) => {
                noteError(`subscription error: ${describe(error)}`);
                markClosed(member);
              },
              complete: () => markClosed(member),
            },
          );
          resolve();
        },
        closed: (event) => {
          if (acknowledged) markClosed(member);
          else {
            clearTimeout(timer);
            reject(new Error(`closed before connection_ack: ${describe(event)}`));
          }
        },
      },
      onNonLazyError: () => undefined, // reported through `closed`
    });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return `close ${close.code} ${close.reason ?? ''}`.trim();
  return JSON.stringify(error);
}

async function connect(request: Extract<RoomsWorkerRequest, { cmd: 'connect' }>): Promise<ConnectResult> {
  messages = request.messages;
  let next = 0;
  let failed = 0;
  const firstErrors: string[] = [];
  const lane = async () => {
    while (next < request.tokens.length) {
      const token = request.tokens[next++]!;
      if (Date.now() > request.deadline) {
        failed += 1;
        if (firstErrors.length < 5) firstErrors.push('not opened: the connect phase ran out of time');
        continue;
      }
      await connectOne(request.url, token, request.timeoutMs).catch((error: Error) => {
        failed += 1;
        if (firstErrors.length < 5) firstErrors.push(error.message);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.concurrency) }, lane));
  return { connected: members.length, failed, firstErrors };
}

function status(probe: number): StatusResult {
  const cpu = process.cpuUsage();
  return {
    withProbe: members.reduce((count, member) => count + (member.lastProbe >= probe ? 1 : 0), 0),
    measured,
    lastMeasuredAt,
    closed,
    cpuMicros: cpu.user + cpu.system,
  };
}

function results(acknowledged: number[]): ResultsResult {
  const expected = new Uint8Array(messages);
  for (const n of acknowledged) if (n >= 0 && n < messages) expected[n] = 1;
  let lost = 0;
  let unacknowledged = 0;
  for (const member of members) {
    for (let n = 0; n < messages; n++) {
      if (expected[n] && !member.seen[n]) lost += 1;
      if (!expected[n] && member.seen[n]) unacknowledged += 1;
    }
  }
  return { latencies, lost, duplicates, outOfOrder, unacknowledged, firstErrors: errors };
}

async function close(): Promise<void> {
  await Promise.all(members.map((member) => member.client.dispose()));
}

process.on('message', (request: RoomsWorkerRequest) => {
  const answer = (result: unknown) => process.send!({ id: request.id, result });
  const fail = (error: unknown) => process.send!({ id: request.id, error: describe(error) });
  switch (request.cmd) {
    case 'connect':
      return void connect(request).then(answer, fail);
    case 'status':
      return answer(status(request.probe));
    case 'results':
      return answer(results(request.acknowledged));
    case 'close':
      return void close().then(answer, fail);
  }
});
// The parent disconnects when it is done, or goes away (a crash, Ctrl-C): the members go with it.
process.on('disconnect', () => process.exit(0));
