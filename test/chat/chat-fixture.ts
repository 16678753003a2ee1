import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createChat } from '@chirpchat/chat';
import {
  createBus,
  createLogger,
  createTokenSigner,
  generateSigningKeys,
  RateLimits,
  ROUTER_SECRET_HEADER,
  type Bus,
  type Channel,
  type RunningServer,
} from '@chirpchat/kit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { deferred, type Deferred } from '../support/async.js';
import { createTestDatabase, testRateLimits, testRedisUrl } from '../support/environment.js';
import { source, type Document, type VariablesArgument } from '../support/graphql.js';

/** A GraphQL response as the tests read it. */
export interface Result<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
}

/**
 * Stands in for the users subgraph in these subgraph-level tests: answers `_entities` for a
 * fixed set of ids, null for the rest, and records the headers each lookup came with.
 */
class FakeUsersSubgraph {
  readonly requests: IncomingHttpHeaders[] = [];
  private readonly server: Server;

  /** @param knownIds the users that exist; tests may add to it */
  constructor(readonly knownIds: Set<string>) {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.requests.push(req.headers);
        const { variables } = JSON.parse(body) as { variables: { r: Array<{ __typename: string; id: string }> } };
        const entities = variables.r.map((r) => (r.__typename === 'User' && this.knownIds.has(r.id) ? { id: r.id } : null));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { _entities: entities } }));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

type BusHappening = 'subscribed' | 'released';

/**
 * The real bus, plus a way to wait until a subscriber is listening (events published before
 * that are lost: the bus is at-most-once) or has let go, so tests wait on these, not on sleeps.
 */
class ObservedBus implements Bus {
  private readonly counts = new Map<string, number>();
  private readonly waiters: Array<{ key: string; count: number; done: Deferred<void> }> = [];

  constructor(private readonly inner: Bus) {}

  get kind() {
    return this.inner.kind;
  }

  publish<T>(topic: string, payload: T): Promise<void> {
    return this.inner.publish(topic, payload);
  }

  async subscribe<T>(topic: string | readonly string[]): Promise<Channel<T>> {
    const channel = await this.inner.subscribe<T>(topic);
    const topics = typeof topic === 'string' ? [topic] : topic;
    channel.onRelease(() => topics.forEach((each) => this.record('released', each)));
    for (const each of topics) this.record('subscribed', each);
    return channel;
  }

  /** How many subscriptions to `topic` have become active, or been released, so far. */
  count(happening: BusHappening, topic: string): number {
    return this.counts.get(`${happening} ${topic}`) ?? 0;
  }

  /** Resolves once `count` subscriptions to `topic` have become active, or been released. */
  when(happening: BusHappening, topic: string, count: number): Promise<void> {
    if (this.count(happening, topic) >= count) return Promise.resolve();
    const done = deferred();
    this.waiters.push({ key: `${happening} ${topic}`, count, done });
    return done.promise;
  }

  health() {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private record(happening: BusHappening, topic: string): void {
    const key = `${happening} ${topic}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    for (const waiter of this.waiters.filter((w) => w.key === key && w.count <= count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.done.resolve();
    }
  }
}

/** One graphql-ws subscription as a queue of results the test awaits one by one. */
export class SubscriptionProbe<T = Record<string, unknown>> {
  private readonly results: Array<Result<T>> = [];
  private readonly waiting: Array<Deferred<Result<T>>> = [];
  private failure: unknown = null;
  readonly completed = deferred();
  /** Resolves once the subgraph listens for this subscription (its first result, which the router asks for, says so). */
  readonly ready = deferred();
  private readonly dispose: () => void;

  constructor(client: Client, document: Document<T, any>, variables: Record<string, unknown>, authorization: string) {
    this.dispose = client.subscribe<T>(
      { query: source(document), variables, extensions: { authorization, ready: true } },
      {
        next: (result) => {
          if (!result.data && (result.extensions as { ready?: unknown } | undefined)?.ready === true) this.ready.resolve();
          else this.push(result as Result<T>);
        },
        error: (error) => {
          this.failure = error;
          for (const waiter of this.waiting.splice(0)) waiter.reject(error);
          this.completed.resolve();
        },
        complete: () => this.completed.resolve(),
      },
    );
  }

  /** The next result the server sends (an event, or the errors that refused the subscription). */
  next(): Promise<Result<T>> {
    const result = this.results.shift();
    if (result) return Promise.resolve(result);
    if (this.failure) return Promise.reject(this.failure instanceof Error ? this.failure : new Error(JSON.stringify(this.failure)));
    const waiter = deferred<Result<T>>();
    this.waiting.push(waiter);
    return waiter.promise;
  }

  close(): void {
    this.dispose();
  }

  private push(result: Result<T>): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(result);
    else this.results.push(result);
  }
}

/** Someone the fake users subgraph knows, with a valid access token. */
export interface TestUser {
  id: string;
  authorization: string;
}

export interface ChatFixture {
  users: { alice: TestUser; bob: TestUser; carol: TestUser; dave: TestUser };
  /** Another user the users subgraph knows, for a test that needs people with no history. */
  newUser(): Promise<TestUser>;
  /** An id the users subgraph does not know. */
  strangerId: string;
  usersSubgraph: FakeUsersSubgraph;
  bus: ObservedBus;
  /**
   * POSTs an operation the way the router does: router secret plus the user's token. A document
   * typed by the chat subgraph's schema (test/graphql/subgraphs/chat.graphql), or a string for
   * what codegen must not check (federation's `_entities`, malformed operations).
   */
  request<T, V>(as: TestUser | null, document: TypedDocumentNode<T, V>, ...variables: VariablesArgument<V>): Promise<Result<T>>;
  request<T = Record<string, unknown>>(as: TestUser | null, query: string, variables?: Record<string, unknown>): Promise<Result<T>>;
  /** Starts a subscription as the router does; `active` resolves once the server listens for it (it says so with a first `ready` result). */
  subscribe<T, V>(
    as: TestUser,
    document: TypedDocumentNode<T, V>,
    variables: NoInfer<V>,
  ): { probe: SubscriptionProbe<T>; active: Promise<void> };
  subscribe<T = Record<string, unknown>>(
    as: TestUser,
    query: string,
    variables?: Record<string, unknown>,
  ): { probe: SubscriptionProbe<T>; active: Promise<void> };
  /** Runs SQL against the chat subgraph's database, for checking what was (not) stored. */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export interface ChatFixtureOptions {
  /** The media subgraph chat asks about files; none by default, as in a chat without media (tests with media use startStack). */
  mediaUrl?: string;
}

/**
 * A running chat subgraph on a free port with a fresh database, the real bus, a stand-in users
 * subgraph and four signed-in users. `close()` undoes all of it.
 */
export async function startChatFixture(options: ChatFixtureOptions = {}): Promise<ChatFixture> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const routerSecret = `test-router-secret-${randomUUID()}`;
    const keys = generateSigningKeys();
    const sign = await createTokenSigner(keys.privateKey, 900);
    const usersSubgraph = new FakeUsersSubgraph(new Set());
    const newUser = async (): Promise<TestUser> => {
      const id = randomUUID();
      usersSubgraph.knownIds.add(id);
      return { id, authorization: `Bearer ${(await sign(id)).token}` };
    };
    const users = { alice: await newUser(), bob: await newUser(), carol: await newUser(), dave: await newUser() };

    const usersUrl = await usersSubgraph.listen();
    cleanups.push(() => usersSubgraph.close());

    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const bus = new ObservedBus(createBus({ redisUrl: await testRedisUrl(), prefix: `chirpchat-test-${randomUUID()}:` }));
    cleanups.push(() => bus.close());

    const chat: RunningServer = await createChat({
      databaseUrl: database.url,
      routerSecret,
      jwtPublicKey: keys.publicKey,
      usersUrl,
      mediaUrl: options.mediaUrl,
      bus,
      logger: createLogger({ level: 'silent' }),
      rateLimits: new RateLimits({ limits: testRateLimits }),
      production: false,
      host: '127.0.0.1',
      port: 0,
    });
    const url = await chat.listen();
    cleanups.push(() => chat.close());

    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    cleanups.push(() => pool.end());

    const ws: Client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { routerSecret },
      lazy: true,
      retryAttempts: 0,
    });
    cleanups.push(() => ws.dispose() as Promise<void>);

    return {
      users,
      newUser,
      strangerId: randomUUID(),
      usersSubgraph,
      bus,
      async request<T>(as: TestUser | null, document: Document<T, any>, variables: Record<string, unknown> = {}) {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [ROUTER_SECRET_HEADER]: routerSecret,
            ...(as ? { authorization: as.authorization } : {}),
          },
          body: JSON.stringify({ query: source(document), variables }),
        });
        return (await response.json()) as Result<T>;
      },
      subscribe<T>(as: TestUser, document: Document<T, any>, variables: Record<string, unknown> = {}) {
        const probe = new SubscriptionProbe<T>(ws, document, variables, as.authorization);
        return { probe, active: probe.ready.promise };
      },
      async sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []) {
        return (await pool.query<R>(text, params)).rows;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The `extensions.code` of a result's first error, or null when it has none. */
export function errorCode(result: Result<unknown>): string | null {
  return result.errors?.[0]?.extensions?.code ?? null;
}
