import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

const REFRESH = `mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken user { id } } }`;

let stack: Stack;
let alice: TestUser;

beforeAll(async () => {
  stack = await startStack();
  alice = await registerUser(stack.url, 'alice');
});

afterAll(async () => {
  await stack?.close();
});

describe('sessions through the router', () => {
  it('revokes the whole family when a used refresh token is replayed', async () => {
    const rotated = await graphql(stack.url, REFRESH, { token: alice.refreshToken });
    expect(rotated.data?.refreshSession.user.id).toBe(alice.id);
    const newest = rotated.data!.refreshSession.refreshToken as string;
    expect(newest).not.toBe(alice.refreshToken);

    const replay = await graphql(stack.url, REFRESH, { token: alice.refreshToken });
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');

    const afterReplay = await graphql(stack.url, REFRESH, { token: newest });
    expect(errorCode(afterReplay)).toBe('UNAUTHENTICATED');
  });

  it('rejects duplicate usernames with CONFLICT and weak passwords with BAD_USER_INPUT', async () => {
    const register = `mutation($input: RegisterInput!) { register(input: $input) { user { id } } }`;
    const duplicate = await graphql(stack.url, register, {
      input: { username: alice.username, email: 'other@example.com', password: 'another long passphrase' },
    });
    expect(errorCode(duplicate)).toBe('CONFLICT');
    const weak = await graphql(stack.url, register, { input: { username: 'weakling', email: 'weak@example.com', password: '123' } });
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    const login = await graphql(
      stack.url,
      `
        mutation {
          login(input: { login: "weakling", password: "123" }) {
            accessToken
          }
        }
      `,
    );
    expect(errorCode(login)).toBe('UNAUTHENTICATED');
  });

  it('shows the email to its owner only', async () => {
    const bob = await registerUser(stack.url, 'bob');
    const query = `query($id: ID!) { user(id: $id) { username email } }`;
    const own = await graphql(stack.url, query, { id: alice.id }, alice.accessToken);
    expect(own.data?.user.email).toBe(`${alice.username}@example.com`);
    const other = await graphql(stack.url, query, { id: alice.id }, bob.accessToken);
    expect(other.data?.user).toEqual({ username: alice.username, email: null });
  });
});
