import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LoginAccessTokenDocument,
  RefreshSessionTokensDocument,
  RegisterTestUserDocument,
  UserEmailDocument,
} from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

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
    const rotated = await graphql(stack.url, RefreshSessionTokensDocument, { token: alice.refreshToken });
    expect(rotated.data?.refreshSession.user.id).toBe(alice.id);
    const newest = rotated.data!.refreshSession.refreshToken;
    expect(newest).not.toBe(alice.refreshToken);

    const replay = await graphql(stack.url, RefreshSessionTokensDocument, { token: alice.refreshToken });
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');

    const afterReplay = await graphql(stack.url, RefreshSessionTokensDocument, { token: newest });
    expect(errorCode(afterReplay)).toBe('UNAUTHENTICATED');
  });

  it('rejects duplicate usernames with CONFLICT and weak passwords with BAD_USER_INPUT', async () => {
    const duplicate = await graphql(stack.url, RegisterTestUserDocument, {
      input: { username: alice.username, email: 'other@example.com', password: 'another long passphrase' },
    });
    expect(errorCode(duplicate)).toBe('CONFLICT');
    const weak = await graphql(stack.url, RegisterTestUserDocument, {
      input: { username: 'weakling', email: 'weak@example.com', password: '123' },
    });
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    const login = await graphql(stack.url, LoginAccessTokenDocument, { input: { login: 'weakling', password: '123' } });
    expect(errorCode(login)).toBe('UNAUTHENTICATED');
  });

  it('shows the email to its owner only', async () => {
    const bob = await registerUser(stack.url, 'bob');
    const own = await graphql(stack.url, UserEmailDocument, { id: alice.id }, alice.accessToken);
    expect(own.data?.user?.email).toBe(`${alice.username}@example.com`);
    const other = await graphql(stack.url, UserEmailDocument, { id: alice.id }, bob.accessToken);
    expect(other.data?.user).toEqual({ username: alice.username, email: null });
  });
});
