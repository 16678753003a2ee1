import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from '../support/async.js';
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
  stack = await startStack({ keepAliveMs: 500 });
  alice = await registerUser(stack.url, 'alice');
});

afterAll(async () => {
  await stack?.close();
});

/** A signed-in graphql-ws socket by hand; `autoPong: false` makes it one that stops answering pings. */
async function signedInSocket(token: string, autoPong: boolean) {
  const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws', { autoPong });
  const closed = deferred<number>();
  let pings = 0;
  socket.on('ping', () => (pings += 1));
  socket.on('close', (code) => closed.resolve(code));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      socket.once('message', () => resolve()); // connection_ack
    });
  });
  return { socket, closed: closed.promise, pings: () => pings };
}

describe('client sockets', () => {
  it('are pinged, and dropped once they stop answering, while those that answer stay', async () => {
    const answering = await signedInSocket(alice.accessToken, true);
    const silent = await signedInSocket(alice.accessToken, false);
    // Abnormal closure: the router terminates the connection without a close handshake.
    expect(await silent.closed).toBe(1006);
    expect(silent.pings()).toBeGreaterThan(0);
    // The answering socket was pinged as often and is still open.
    expect(answering.pings()).toBeGreaterThanOrEqual(silent.pings());
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    answering.socket.close();
  });
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
    // The family's access tokens stop too, at once (see test/users/revocation.test.ts).
    const access = await graphql(stack.url, UserEmailDocument, { id: alice.id }, alice.accessToken);
    expect(access.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    alice = await registerUser(stack.url, 'alice');
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
