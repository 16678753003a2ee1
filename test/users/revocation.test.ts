import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus, createLogger, createRevocationView, createTokenVerifier, type Bus, type RevocationView } from '@chirpchat/kit';
import { createPresenceStore, type PresenceStore } from '@chirpchat/kit/contracts';
import { createRouter, type RouterServer } from '@chirpchat/router';
import { deferred } from '../support/async.js';
import { repoRoot, testRedisUrl } from '../support/environment.js';
import {
  ChangePasswordTokensDocument,
  CreateDirectConversationDocument,
  DeleteAccountWithPasswordDocument,
  LoginDeviceDocument,
  LogoutDocument,
  MeDeletedDocument,
  MySessionsListDocument,
  RefreshSessionTokensDocument,
  RevokeSessionByIdDocument,
  SendMessageIdDocument,
} from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, type GraphQLResponse, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

const PASSWORD = 'correct horse battery staple';
const redisUrl = await testRedisUrl();

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

/** Signs `user` in again as another device, with its own User-Agent. */
async function newDevice(user: TestUser, userAgent: string, url = stack.url) {
  const response = await graphql(url, LoginDeviceDocument, { input: { login: user.username, password: PASSWORD } }, undefined, {
    'user-agent': userAgent,
  });
  if (!response.data) throw new Error(`login failed: ${JSON.stringify(response.errors)}`);
  return response.data.login;
}

/** A graphql-ws socket by hand: `acked` says whether the router admitted it, `closed` how it ended. */
function openSocket(token: string, wsUrl = stack.wsUrl) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const acked = deferred<boolean>();
  const closed = deferred<{ code: number; reason: string }>();
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
  socket.on('message', (data) => {
    if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') acked.resolve(true);
  });
  socket.on('close', (code, reason) => {
    acked.resolve(false);
    closed.resolve({ code, reason: reason.toString() });
  });
  return { socket, acked: acked.promise, closed: closed.promise };
}

function expectRevoked(response: GraphQLResponse<unknown>): void {
  expect(errorCode(response)).toBe('UNAUTHENTICATED');
  expect(response.errors?.[0]?.extensions?.reason).toBe('revoked');
  expect(response.errors?.[0]?.message).toMatch(/sign in again/);
}

describe('deleteAccount', () => {
  it('stops the account’s access token at once: sendMessage stores nothing, and its socket is closed with 4403', async () => {
    const alice = await registerUser(stack.url, 'alice');
    const bob = await registerUser(stack.url, 'bob');
    const direct = await graphql(stack.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
    const conversationId = direct.data!.createConversation.id;
    const live = openSocket(alice.accessToken);
    expect(await live.acked).toBe(true);

    const wrong = await graphql(stack.url, DeleteAccountWithPasswordDocument, { password: 'not the password' }, alice.accessToken);
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    const deleted = await graphql(stack.url, DeleteAccountWithPasswordDocument, { password: PASSWORD }, alice.accessToken);
    expect(deleted.data?.deleteAccount).toBe(true);

    const send = await graphql(
      stack.url,
      SendMessageIdDocument,
      { input: { conversationId, clientId: 'after-delete', text: 'still here?' } },
      alice.accessToken,
    );
    expectRevoked(send);
    expect(await stack.sql('select id from chat.message where conversation_id = $1', [conversationId])).toEqual([]);
    expect(await live.closed).toEqual({ code: 4403, reason: 'Session revoked' });
    expect(await openSocket(alice.accessToken).acked).toBe(false);

    expect(errorCode(await graphql(stack.url, RefreshSessionTokensDocument, { token: alice.refreshToken }))).toBe('UNAUTHENTICATED');
    const login = await graphql(stack.url, LoginDeviceDocument, { input: { login: alice.username, password: PASSWORD } });
    expect(errorCode(login)).toBe('UNAUTHENTICATED');
    const seen = await graphql(stack.url, MeDeletedDocument, { id: alice.id }, bob.accessToken);
    expect(seen.data?.user).toMatchObject({ id: alice.id, displayName: 'Deleted user', deletedAt: expect.any(String) });
  });
});

describe('changePassword', () => {
  it('refuses the other session’s token at once and closes its socket, and gives the caller a new pair that works', async () => {
    const carol = await registerUser(stack.url, 'carol');
    const phone = await newDevice(carol, 'CarolPhone/1.0');
    const phoneSocket = openSocket(phone.accessToken);
    expect(await phoneSocket.acked).toBe(true);

    const weak = await graphql(
      stack.url,
      ChangePasswordTokensDocument,
      { input: { currentPassword: PASSWORD, newPassword: '123' } },
      carol.accessToken,
    );
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    const wrong = await graphql(
      stack.url,
      ChangePasswordTokensDocument,
      { input: { currentPassword: 'a wrong password', newPassword: 'a new long passphrase' } },
      carol.accessToken,
    );
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currentPassword' });

    const changed = await graphql(
      stack.url,
      ChangePasswordTokensDocument,
      { input: { currentPassword: PASSWORD, newPassword: 'a new long passphrase' } },
      carol.accessToken,
    );
    const fresh = changed.data!.changePassword;
    expect(fresh.user.id).toBe(carol.id);

    expectRevoked(await graphql(stack.url, MySessionsListDocument, {}, phone.accessToken));
    expect(await phoneSocket.closed).toEqual({ code: 4403, reason: 'Session revoked' });
    expectRevoked(await graphql(stack.url, MySessionsListDocument, {}, carol.accessToken));
    expect(errorCode(await graphql(stack.url, RefreshSessionTokensDocument, { token: phone.refreshToken }))).toBe('UNAUTHENTICATED');

    const mine = await graphql(stack.url, MySessionsListDocument, {}, fresh.accessToken);
    expect(mine.data?.mySessions).toHaveLength(1);
    expect(mine.data?.mySessions[0]?.current).toBe(true);
    expect((await graphql(stack.url, RefreshSessionTokensDocument, { token: fresh.refreshToken })).data?.refreshSession.user.id).toBe(
      carol.id,
    );
  });
});

describe('sessions', () => {
  let dave: TestUser;
  let laptop: { accessToken: string; refreshToken: string };
  let phone: { accessToken: string; refreshToken: string };
  let second: RouterServer | null = null;
  let secondUrl = '';
  let secondBus: Bus | null = null;
  let secondRevocations: RevocationView | null = null;
  let presence: PresenceStore | null = null;

  beforeAll(async () => {
    dave = await registerUser(stack.url, 'dave');
    laptop = await newDevice(dave, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0');
    phone = await newDevice(dave, 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1');
    if (!redisUrl) return;
    // A second router in front of the same subgraphs, as another process would be: its own bus and revocation view.
    presence = createPresenceStore({ redisUrl });
    secondBus = createBus({ redisUrl });
    secondRevocations = await createRevocationView({ redisUrl, bus: secondBus });
    second = await createRouter({
      supergraphSdl: await readFile(path.join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8'),
      subgraphUrls: stack.subgraphUrls,
      routerSecret: stack.routerSecret,
      jwtPublicKey: stack.keys.publicKey,
      presence,
      revocations: secondRevocations,
      logger: createLogger({ level: 'silent' }),
      production: false,
      host: '127.0.0.1',
    });
    secondUrl = await second.listen();
  });

  afterAll(async () => {
    await second?.close();
    await secondRevocations?.close();
    await secondBus?.close();
    await presence?.close();
  });

  it('lists every device with its User-Agent, address and which one is asking', async () => {
    const listed = await graphql(stack.url, MySessionsListDocument, {}, laptop.accessToken);
    const sessions = listed.data!.mySessions;
    expect(sessions).toHaveLength(3); // register, laptop, phone
    const byAgent = new Map(sessions.map((session) => [session.userAgent, session]));
    expect(byAgent.get('Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0')).toMatchObject({
      current: true,
      address: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(byAgent.get('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1')).toMatchObject({ current: false });
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
    for (const session of sessions) expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
  });

  it('refuses another user’s session with NOT_FOUND and changes nothing', async () => {
    const erin = await registerUser(stack.url, 'erin');
    const daves = (await graphql(stack.url, MySessionsListDocument, {}, phone.accessToken)).data!.mySessions;
    const attempt = await graphql(stack.url, RevokeSessionByIdDocument, { id: daves[0]!.id }, erin.accessToken);
    expect(errorCode(attempt)).toBe('NOT_FOUND');
    expect(errorCode(await graphql(stack.url, RevokeSessionByIdDocument, { id: 'not-a-session' }, erin.accessToken))).toBe('NOT_FOUND');
    expect((await graphql(stack.url, MySessionsListDocument, {}, phone.accessToken)).data?.mySessions).toHaveLength(daves.length);
  });

  it.skipIf(!redisUrl)('stops a revoked device’s token at once, through this router and a second one, and closes its sockets', async () => {
    const phoneHere = openSocket(phone.accessToken);
    const phoneThere = openSocket(phone.accessToken, secondUrl.replace(/^http/, 'ws'));
    expect(await phoneHere.acked).toBe(true);
    expect(await phoneThere.acked).toBe(true);
    const sessions = (await graphql(stack.url, MySessionsListDocument, {}, phone.accessToken)).data!.mySessions;
    const phoneSession = sessions.find((session) => session.current)!;

    const revoked = await graphql(stack.url, RevokeSessionByIdDocument, { id: phoneSession.id }, laptop.accessToken);
    expect(revoked.data?.revokeSession).toBe(true);

    expectRevoked(await graphql(stack.url, MySessionsListDocument, {}, phone.accessToken));
    expectRevoked(await graphql(secondUrl, MySessionsListDocument, {}, phone.accessToken));
    expect(await phoneHere.closed).toEqual({ code: 4403, reason: 'Session revoked' });
    expect(await phoneThere.closed).toEqual({ code: 4403, reason: 'Session revoked' });
    expect(await openSocket(phone.accessToken, secondUrl.replace(/^http/, 'ws')).acked).toBe(false);
    expect(errorCode(await graphql(stack.url, RefreshSessionTokensDocument, { token: phone.refreshToken }))).toBe('UNAUTHENTICATED');

    const left = (await graphql(secondUrl, MySessionsListDocument, {}, laptop.accessToken)).data!.mySessions;
    expect(left.map((session) => session.id)).not.toContain(phoneSession.id);
    expect(left).toHaveLength(2);
  });

  it.skipIf(!redisUrl)('honours a revocation a process missed, from the Redis backstop', async () => {
    const tablet = await newDevice(dave, 'Tablet/2.0');
    const tabletSession = (await graphql(stack.url, MySessionsListDocument, {}, tablet.accessToken)).data!.mySessions.find(
      (s) => s.current,
    )!;
    expect((await graphql(stack.url, RevokeSessionByIdDocument, { id: tabletSession.id }, laptop.accessToken)).data?.revokeSession).toBe(
      true,
    );

    // Started after the event was published, and listening to no bus: only Redis can tell it.
    const late = await createRevocationView({ redisUrl });
    try {
      const verify = await createTokenVerifier(stack.keys.publicKey, late);
      expect(await verify(`Bearer ${tablet.accessToken}`)).toEqual({ ok: false, reason: 'revoked' });
      expect((await verify(`Bearer ${laptop.accessToken}`)).ok).toBe(true);
    } finally {
      await late.close();
    }
  });

  it('stops the access token of a session that logs out', async () => {
    const kiosk = await newDevice(dave, 'Kiosk/1.0');
    expect((await graphql(stack.url, MySessionsListDocument, {}, kiosk.accessToken)).data?.mySessions).toBeDefined();
    expect((await graphql(stack.url, LogoutDocument, { token: kiosk.refreshToken })).data?.logout).toBe(true);
    expectRevoked(await graphql(stack.url, MySessionsListDocument, {}, kiosk.accessToken));
    expect((await graphql(stack.url, MySessionsListDocument, {}, laptop.accessToken)).data?.mySessions).toBeDefined();
  });
});
