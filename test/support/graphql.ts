import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Channel } from '@chirpchat/kit';
import { deferred } from './async.js';
import { RegisterTestUserDocument } from './generated/graphql.js';

type ExecutionResult<T> = FormattedExecutionResult<T, unknown>;

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [key: string]: unknown }; path?: Array<string | number> }>;
}

/** A generated typed document (test/support/generated), or a string for what codegen must not check: malformed or forbidden operations. */
export type Document<T, V> = TypedDocumentNode<T, V> | string;

/** The text to send for a document. */
export function source(document: Document<any, any>): string {
  return typeof document === 'string' ? document : print(document);
}

/**
 * POSTs one operation to a GraphQL endpoint, as a client would. A generated typed document
 * gives the result and variable types; a string is for the deliberate cases codegen must not check.
 */
export function graphql<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: NoInfer<V>,
  token?: string,
  headers?: Record<string, string>,
): Promise<GraphQLResponse<T>>;
export function graphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  headers?: Record<string, string>,
): Promise<GraphQLResponse<T>>;
export async function graphql<T>(
  url: string,
  document: Document<T, any>,
  variables: unknown = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query: source(document), variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** The variables argument of a typed document: optional when it has no required variables. */
export type VariablesArgument<V> = Record<string, never> extends V ? [variables?: NoInfer<V>] : [variables: NoInfer<V>];

/** Sends documents to one endpoint on someone's behalf, typed like `graphql`. */
export interface Caller {
  <T, V>(document: TypedDocumentNode<T, V>, ...variables: VariablesArgument<V>): Promise<GraphQLResponse<T>>;
  <T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
}

/** A Caller that POSTs to `url` with `token` and `headers`. */
export function caller(url: string, token?: string, headers?: Record<string, string>): Caller {
  return ((document: Document<any, any>, variables: Record<string, unknown> = {}) =>
    graphql(url, source(document), variables, token, headers)) as Caller;
}

/** The first error code of a response, for assertions. */
export function errorCode(response: GraphQLResponse<unknown>): string | undefined {
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
  const response = await graphql(url, RegisterTestUserDocument, {
    input: { username, email: `${username}@example.com`, password: 'correct horse battery staple', displayName },
  });
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

/** Subscribes over an open client and buffers what arrives; a typed document gives the event and variable types. */
export function subscribe<T, V>(client: Client, document: TypedDocumentNode<T, V>, ...variables: VariablesArgument<V>): Subscription<T>;
export function subscribe<T = Record<string, any>>(client: Client, query: string, variables?: Record<string, unknown>): Subscription<T>;
export function subscribe<T>(client: Client, document: Document<T, any>, variables: unknown = {}): Subscription<T> {
  const results = new Channel<ExecutionResult<T>>();
  const completed = deferred();
  const dispose = client.subscribe<T>(
    { query: source(document), variables: variables as Record<string, unknown> },
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
