import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Channel } from '@chirpchat/kit';
import { deferred } from './async.js';

type ExecutionResult<T> = FormattedExecutionResult<T, unknown>;

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [key: string]: unknown }; path?: Array<string | number> }>;
}

/** POSTs one operation to a GraphQL endpoint, as a client would. */
export async function graphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** The first error code of a response, for assertions. */
export function errorCode(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

/** A signed-up user as the tests use them. */
export interface TestUser {
  id: string;
  username: string;
  displayName: string;
  accessToken: string;
  refreshToken: string;
}

let counter = 0;

/** Registers a new user through the router. */
export async function registerUser(url: string, name = 'user'): Promise<TestUser> {
  const username = `${name}_${process.pid}_${Date.now().toString(36)}_${counter++}`.slice(0, 32).toLowerCase();
  const displayName = `${name[0]!.toUpperCase()}${name.slice(1)} Tester`;
  const response = await graphql(
    url,
    `
      mutation ($input: RegisterInput!) {
        register(input: $input) {
          accessToken
          refreshToken
          user {
            id
            username
            displayName
          }
        }
      }
    `,
    { input: { username, email: `${username}@example.com`, password: 'correct horse battery staple', displayName } },
  );
  if (!response.data?.register) throw new Error(`register failed: ${JSON.stringify(response.errors)}`);
  const { accessToken, refreshToken, user } = response.data.register;
  return { ...user, accessToken, refreshToken };
}

/** A live subscription: `next()` waits for the next result; `close()` stops it. */
export interface Subscription<T> {
  next(timeoutMs?: number): Promise<ExecutionResult<T>>;
  /** Resolves when the server ends the subscription. */
  completed: Promise<void>;
  close(): Promise<void>;
}

/** Opens a graphql-ws client to `wsUrl` with the user's token in `connectionParams`. */
export function wsClient(wsUrl: string, token: string | undefined, onClose?: (event: { code: number; reason: string }) => void): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => onClose?.(event as { code: number; reason: string }) },
    onNonLazyError: () => undefined,
  });
}

/** Subscribes over an open client and buffers what arrives. */
export function subscribe<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<T> {
  const results = new Channel<ExecutionResult<T>>();
  const completed = deferred();
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => results.push(value),
      error: (error) => {
        results.push({
          errors: Array.isArray(error)
            ? error
            : [{ message: String((error as Error)?.message ?? (error as { reason?: string })?.reason ?? error) }],
        } as ExecutionResult<T>);
        completed.resolve();
      },
      complete: () => completed.resolve(),
    },
  );
  // A read that timed out stays pending for the next call, so no event is lost to it.
  let pending: Promise<IteratorResult<ExecutionResult<T>>> | undefined;
  return {
    completed: completed.promise,
    async next(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no subscription event within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        pending ??= results.next();
        const result = await Promise.race([pending, timeout]);
        pending = undefined;
        if (result.done) throw new Error('subscription ended');
        return result.value;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      dispose();
      await results.return();
    },
  };
}
