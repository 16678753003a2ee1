import pg from 'pg';
import { createLogger, generateSigningKeys, RateLimits, ROUTER_SECRET_HEADER, type RunningServer } from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { createUsers, type UsersOptions } from '@chirpchat/users';
import { createTestDatabase, testRateLimits } from '../support/environment.js';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { RegisterAccountDocument, type RegisterAccountMutation } from '../support/generated/users-subgraph.js';
import { graphql, source, type Document, type GraphQLResponse } from '../support/graphql.js';

export const PASSWORD = 'correct horse battery staple';
export const routerSecret = 'x'.repeat(32);

/** A registered account, as a client holds it: the user register returned, and the tokens. */
export type Account = RegisterAccountMutation['register']['user'] & { accessToken: string; refreshToken: string };

/** The users subgraph on a free port against a fresh database, called directly as the router would. */
export interface UsersFixture {
  url: string;
  keys: { publicKey: string; privateKey: string };
  /**
   * POSTs an operation with the router secret and, when given, the access token: a document
   * typed by the users subgraph's schema (test/graphql/subgraphs/users.graphql), or a string for
   * what codegen must not check (federation's `_entities`, malformed operations).
   */
  call<T, V>(document: TypedDocumentNode<T, V>, ...variablesThenToken: VariablesThenToken<V>): Promise<GraphQLResponse<T>>;
  call<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  /** Registers `name` (also its username) with `name@example.com` and the test password. */
  register(name: string): Promise<Account>;
  /** Runs SQL against the subgraph's database, to see what was (not) stored. */
  sql<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** A typed document's variables, optional when none is required, then the access token. */
type VariablesThenToken<V> =
  Record<string, never> extends V ? [variables?: NoInfer<V>, token?: string] : [variables: NoInfer<V>, token?: string];

export async function startUsers(overrides: Partial<UsersOptions> = {}): Promise<UsersFixture> {
  const database = await createTestDatabase();
  const keys = generateSigningKeys();
  let server: RunningServer | undefined;
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    server = await createUsers({
      databaseUrl: database.url,
      routerSecret,
      jwtPublicKey: keys.publicKey,
      jwtPrivateKey: keys.privateKey,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlDays: 30,
      // Nobody connects in these tests: everyone reads OFFLINE from a store of this process.
      presence: createPresenceStore(),
      rateLimits: new RateLimits({ limits: testRateLimits }),
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      production: false,
      host: '127.0.0.1',
      port: 0,
      ...overrides,
    });
    const url = await server.listen();
    const running = server;
    const call = ((document: Document<any, any>, variables: Record<string, unknown> = {}, token?: string) =>
      graphql(url, source(document), variables, token, { [ROUTER_SECRET_HEADER]: routerSecret })) as UsersFixture['call'];
    return {
      url,
      keys,
      call,
      async register(name) {
        const response = await call(RegisterAccountDocument, {
          input: { username: name, email: `${name}@example.com`, password: PASSWORD },
        });
        if (!response.data?.register) throw new Error(`register ${name} failed: ${JSON.stringify(response.errors)}`);
        const { accessToken, refreshToken, user } = response.data.register;
        return { ...user, accessToken, refreshToken };
      },
      async sql(text, values = []) {
        return (await db.query(text, values)).rows;
      },
      async close() {
        await running.close();
        await db.end();
        await database.drop();
      },
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await db.end();
    await database.drop();
    throw error;
  }
}
