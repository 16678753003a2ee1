import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { printSubgraphSdl, ROUTER_SECRET_HEADER, SERVICE_CALLER_HEADER } from '@chirpchat/kit';
import { buildUsersSchema } from '@chirpchat/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/environment.js';
import {
  LoginTokensDocument,
  RenameProfileDocument,
  SearchUsernamesDocument,
  UsersByUsernamesDocument,
} from '../support/generated/users-subgraph.js';
import { errorCode, graphql } from '../support/graphql.js';
import { routerSecret, startUsers, type Account, type UsersFixture } from './fixture.js';

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id username displayName email } } }`;

let users: UsersFixture;
let alice: Account;
let bob: Account;

beforeAll(async () => {
  users = await startUsers();
  alice = await users.register('alice');
  bob = await users.register('bob');
});

afterAll(async () => {
  await users?.close();
});

function post(headers: Record<string, string>) {
  return fetch(users.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ me { id } }' }),
  });
}

describe('the subgraph boundary', () => {
  it('answers 401 to a request without the router secret, or with a wrong one', async () => {
    const missing = await post({ authorization: `Bearer ${alice.accessToken}` });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await post({ [ROUTER_SECRET_HEADER]: 'y'.repeat(32) })).status).toBe(401);
    expect((await post({ [ROUTER_SECRET_HEADER]: routerSecret })).status).toBe(200);
  });

  it('resolves User references in order, with null for unknown and malformed ids', async () => {
    const representations = [
      { __typename: 'User', id: bob.id },
      { __typename: 'User', id: randomUUID() },
      { __typename: 'User', id: alice.id },
      { __typename: 'User', id: 'not-a-uuid' },
    ];
    const response = await users.call(ENTITIES, { representations }, alice.accessToken);
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities).toEqual([
      { id: bob.id, username: 'bob', displayName: 'bob', email: null },
      null,
      { id: alice.id, username: 'alice', displayName: 'alice', email: 'alice@example.com' },
      null,
    ]);
  });

  it('refuses User references without a signed-in viewer', async () => {
    const response = await users.call(ENTITIES, { representations: [{ __typename: 'User', id: alice.id }] });
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
    expect(response.data?._entities).toEqual([null]);
    expect(response.errors?.[0]?.path).toEqual(['_entities', 0]);
  });

  it('answers User references to one of our subgraphs calling on its own behalf, without a token, and nothing private', async () => {
    const response = await graphql<{ _entities: Array<Record<string, unknown> | null> }>(
      users.url,
      `
        query ($r: [_Any!]!) {
          _entities(representations: $r) {
            ... on User {
              id
              displayName
              email
            }
          }
        }
      `,
      { r: [{ __typename: 'User', id: alice.id }] },
      undefined,
      { [ROUTER_SECRET_HEADER]: routerSecret, [SERVICE_CALLER_HEADER]: 'notifications' },
    );
    expect(response.errors).toBeUndefined();
    // email is the owner's alone: a service is nobody's viewer.
    expect(response.data?._entities).toEqual([{ id: alice.id, displayName: expect.any(String), email: null }]);
  });

  it('does not take the service header from anyone without the router secret', async () => {
    const response = await fetch(users.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SERVICE_CALLER_HEADER]: 'notifications' },
      body: JSON.stringify({ query: ENTITIES, variables: { representations: [{ __typename: 'User', id: alice.id }] } }),
    });
    expect(response.status).toBe(401);
  });

  it('prints the SDL that is committed as subgraphs/users/schema.graphql', async () => {
    const committed = await readFile(path.join(repoRoot, 'subgraphs', 'users', 'schema.graphql'), 'utf8');
    expect(printSubgraphSdl(await buildUsersSchema())).toBe(committed);
  });
});

describe('searchUsers', () => {
  beforeAll(async () => {
    for (const name of ['ann', 'anna_k', 'joanne', 'bo.ann', 'zed']) await users.register(name);
    const zed = (await users.call(LoginTokensDocument, { input: { login: 'zed', password: 'correct horse battery staple' } })).data!.login;
    await users.call(RenameProfileDocument, { name: 'Annika 100% Zed' }, zed.accessToken);
  });

  it('matches usernames and display names anywhere, exact match first, then prefixes, then by username', async () => {
    const response = await users.call(SearchUsernamesDocument, { query: ' ANN ' }, alice.accessToken);
    expect(response.data?.searchUsers.map((u) => u.username)).toEqual(['ann', 'anna_k', 'zed', 'bo.ann', 'joanne']);
  });

  it('treats % and _ in the query as plain characters', async () => {
    const percent = await users.call(SearchUsernamesDocument, { query: '100%' }, alice.accessToken);
    expect(percent.data?.searchUsers).toEqual([{ username: 'zed' }]);
    const underscore = await users.call(SearchUsernamesDocument, { query: 'a_k' }, alice.accessToken);
    expect(underscore.data?.searchUsers).toEqual([{ username: 'anna_k' }]);
    const wildcard = await users.call(SearchUsernamesDocument, { query: '%' }, alice.accessToken);
    expect(wildcard.data?.searchUsers).toEqual([{ username: 'zed' }]);
  });

  it('includes the viewer and returns at most `first` users', async () => {
    const self = await users.call(SearchUsernamesDocument, { query: 'alice' }, alice.accessToken);
    expect(self.data?.searchUsers).toEqual([{ username: 'alice' }]);
    const limited = await users.call(SearchUsernamesDocument, { query: 'ann', first: 2 }, alice.accessToken);
    expect(limited.data?.searchUsers).toEqual([{ username: 'ann' }, { username: 'anna_k' }]);
  });

  it.each([
    ['a blank query', { query: '   ' }, 'query'],
    ['a query over 64 characters', { query: 'q'.repeat(65) }, 'query'],
    ['first = 0', { query: 'ann', first: 0 }, 'first'],
    ['first = 51', { query: 'ann', first: 51 }, 'first'],
  ])('refuses %s with BAD_USER_INPUT', async (_case, variables, field) => {
    const response = await users.call(SearchUsernamesDocument, variables, alice.accessToken);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
  });

  it('needs a signed-in viewer', async () => {
    expect(errorCode(await users.call(SearchUsernamesDocument, { query: 'ann' }))).toBe('UNAUTHENTICATED');
  });
});

describe('usersByUsernames', () => {
  it('returns the users asked for in the order asked, each once, ignoring case and leaving out unknown names', async () => {
    const response = await users.call(
      UsersByUsernamesDocument,
      { usernames: ['BOB', 'nobody_here', 'alice', 'bob', 'not a username!'] },
      alice.accessToken,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.usersByUsernames).toEqual([
      { id: bob.id, username: 'bob' },
      { id: alice.id, username: 'alice' },
    ]);
  });

  it('refuses more than 50 names with BAD_USER_INPUT', async () => {
    const usernames = Array.from({ length: 51 }, (_, i) => `name_${i}`);
    const response = await users.call(UsersByUsernamesDocument, { usernames }, alice.accessToken);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.field).toBe('usernames');
  });

  it('needs a signed-in viewer', async () => {
    expect(errorCode(await users.call(UsersByUsernamesDocument, { usernames: ['bob'] }))).toBe('UNAUTHENTICATED');
  });
});
