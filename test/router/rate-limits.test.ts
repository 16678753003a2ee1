import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger, RateLimits } from '@chirpchat/kit';
import { createPresenceStore, type PresenceStore } from '@chirpchat/kit/contracts';
import { createRouter, RATE_LIMITED_CLOSE_CODE, type RouterServer } from '@chirpchat/router';
import { deferred } from '../support/async.js';
import { repoRoot, testRedisUrl } from '../support/environment.js';
import {
  AddReactionViewDocument,
  CreateUploadDocument,
  LoginAccessTokenDocument,
  RegisterTestUserDocument,
  SearchMessageIdsDocument,
  SendMessageSeqDocument,
  SetTypingDocument,
  TypingEventsDocument,
} from '../support/generated/graphql.js';
import { caller, errorCode, graphql, registerUser, subscribe, wsClient, type GraphQLResponse, type TestUser } from '../support/graphql.js';
import { routerSecret, startStack, type Stack } from '../support/stack.js';
import { chatAs } from '../support/chat.js';

const password = 'correct horse battery staple';

/** The refusal's retry-after, after checking it is a RATE_LIMITED one that says so. */
function refusedFor(response: GraphQLResponse<unknown>): number {
  expect(errorCode(response), JSON.stringify(response.errors)).toBe('RATE_LIMITED');
  const seconds = response.errors![0]!.extensions!.retryAfterSeconds as number;
  expect(Number.isInteger(seconds) && seconds >= 1).toBe(true);
  expect(response.errors![0]!.message).toMatch(new RegExp(`Try again in ${seconds} s\\.$`));
  return seconds;
}

async function count(stack: Stack, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await stack.sql<{ n: string }>(sql, params);
  return Number(row!.n);
}

/**
 * Every limit through the router with the limits in the shared Redis: each refuses past its
 * threshold with RATE_LIMITED and retryAfterSeconds, stores nothing, and lets the caller
 * through again once the window has passed.
 */
describe('per-user and per-socket rate limits', () => {
  let stack: Stack;
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;

  beforeAll(async () => {
    stack = await startStack({
      rateLimits: {
        send: { points: 3, durationSeconds: 2 },
        sendBurst: { points: 2, durationSeconds: 2 },
        sendConversation: { points: 1000 },
        reaction: { points: 2, durationSeconds: 2 },
        typing: { points: 2, durationSeconds: 2 },
        search: { points: 2, durationSeconds: 2 },
        upload: { points: 2, durationSeconds: 2 },
        socketConnect: { points: 3, durationSeconds: 3 },
        socketMessages: { points: 8, durationSeconds: 2 },
      },
    });
    [alice, bob] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
    conversationId = await chatAs(stack, alice).create('DIRECT', [bob]);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('sendMessage: a sustained rate and a burst per user; past both, RATE_LIMITED, nothing stored, and the same clientId goes through after the window', async () => {
    const send = (clientId: string) =>
      caller(stack.url, alice.accessToken)(SendMessageSeqDocument, { input: { conversationId, clientId, text: clientId } });
    // 3 sustained + 2 of burst.
    for (let i = 0; i < 5; i++) expect((await send(`ok-${i}`)).errors).toBeUndefined();
    const refused = await send('refused');
    const retryAfter = refusedFor(refused);
    expect(refused.errors![0]!.message).toMatch(/sending messages too fast/);
    expect(await count(stack, "select count(*) as n from chat.message where client_id = 'refused'")).toBe(0);
    // Another user is not held back by Alice's limit.
    expect(
      (await caller(stack.url, bob.accessToken)(SendMessageSeqDocument, { input: { conversationId, clientId: 'bob-1', text: 'hi' } }))
        .errors,
    ).toBeUndefined();

    await sleep(retryAfter * 1000);
    const again = await send('refused');
    expect(again.errors).toBeUndefined();
    expect(await count(stack, "select count(*) as n from chat.message where client_id = 'refused'")).toBe(1);
  });

  it('reactions, typing, search and upload tickets each have a per-user limit', async () => {
    const call = caller(stack.url, bob.accessToken);
    const sent = await call(SendMessageSeqDocument, { input: { conversationId, clientId: 'to-react', text: 'react to me' } });
    const messageId = sent.data!.sendMessage.id;
    const cases: Array<[string, () => Promise<GraphQLResponse<unknown>>]> = [
      ['reaction', () => call(AddReactionViewDocument, { id: messageId, emoji: '👍' })],
      ['typing', () => call(SetTypingDocument, { id: conversationId, typing: true })],
      ['search', () => call(SearchMessageIdsDocument, { query: 'react', c: conversationId })],
      ['upload', () => call(CreateUploadDocument, { input: { conversationId, filename: 'a.png', mimeType: 'image/png', bytes: 100 } })],
    ];
    for (const [name, attempt] of cases) {
      for (let i = 0; i < 2; i++) expect((await attempt()).errors, name).toBeUndefined();
      refusedFor(await attempt());
    }
    // The two allowed upload tickets are all that exist.
    expect(await count(stack, 'select count(*) as n from media.media where uploader_id = $1', [bob.id])).toBe(2);
  });

  it('WebSocket connections per user are counted in Redis, shared by a second router; the refused socket closes with 4029 and a retry time', async () => {
    const presence: PresenceStore = createPresenceStore({ redisUrl: await testRedisUrl() });
    const sharedLimits = new RateLimits({
      redisUrl: await testRedisUrl(),
      prefix: stack.rateLimitPrefix,
      limits: { socketConnect: { points: 3, durationSeconds: 3 } },
    });
    let second: RouterServer | null = null;
    try {
      second = await createRouter({
        supergraphSdl: await readFile(path.join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8'),
        subgraphUrls: stack.subgraphUrls,
        routerSecret,
        jwtPublicKey: stack.keys.publicKey,
        presence,
        rateLimits: sharedLimits,
        logger: createLogger({ level: 'silent' }),
        production: true,
        host: '127.0.0.1',
        port: 0,
      });
      const secondWs = (await second.listen()).replace(/^http/, 'ws');
      const user = await registerUser(stack.url, 'sockets');
      const opened: Array<ReturnType<typeof wsClient>> = [];
      const connect = (url: string) => {
        const closed = deferred<{ code: number; reason: string }>();
        const connected = deferred();
        const client = wsClient(url, user.accessToken, (event) => closed.resolve(event));
        client.on('connected', () => connected.resolve());
        opened.push(client);
        return Promise.race([connected.promise.then(() => 'connected' as const), closed.promise]);
      };
      try {
        // Two on the first router, one on the second: the budget of three is spent across both.
        expect(await connect(stack.wsUrl)).toBe('connected');
        expect(await connect(stack.wsUrl)).toBe('connected');
        expect(await connect(secondWs)).toBe('connected');
        const refused = await connect(secondWs);
        expect(refused).toMatchObject({ code: RATE_LIMITED_CLOSE_CODE });
        const retryAfter = Number(/retry in (\d+) s/.exec((refused as { reason: string }).reason)?.[1]);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        await sleep(retryAfter * 1000);
        expect(await connect(stack.wsUrl)).toBe('connected');
      } finally {
        await Promise.all(opened.map((client) => client.dispose()));
      }
    } finally {
      await second?.close();
      await sharedLimits.close();
      await presence.close();
    }
  });

  it('a socket that sends too many messages is closed with 4029 and a retry time; others are not', async () => {
    const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const acknowledged = new Promise<void>((resolve) =>
      socket.on('message', (data) => JSON.parse(data.toString()).type === 'connection_ack' && resolve()),
    );
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice.accessToken}` } }));
    await acknowledged;
    // connection_init and 7 pings are the 8 allowed; the 9th message closes the socket.
    for (let i = 0; i < 7; i++) socket.send(JSON.stringify({ type: 'ping' }));
    const other = wsClient(stack.wsUrl, bob.accessToken);
    const live = stack.waitForNewSubscriptions(`typing:${bob.id}`);
    const typing = subscribe(other, TypingEventsDocument, { id: conversationId });
    try {
      await live;
      socket.send(JSON.stringify({ type: 'ping' }));
      const event = await closed;
      expect(event.code).toBe(RATE_LIMITED_CLOSE_CODE);
      expect(event.reason).toMatch(/^Rate limited: too many messages, retry in \d+ s$/);
      // Bob's socket goes on: he gets Alice's typing.
      await caller(stack.url, alice.accessToken)(SetTypingDocument, { id: conversationId, typing: true });
      expect((await typing.next()).data?.typing.user.id).toBe(alice.id);
    } finally {
      await typing.close();
      await other.dispose();
    }
  });
});

describe('sign-in and registration limits', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      rateLimits: {
        signInAccount: { points: 2, durationSeconds: 60, blockSeconds: 4 },
        signInAddress: { points: 8, durationSeconds: 60, blockSeconds: 2 },
        register: { points: 4, durationSeconds: 3 },
      },
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const login = (name: string, pass: string) => graphql(stack.url, LoginAccessTokenDocument, { input: { login: name, password: pass } });
  const sessions = (userId: string) => count(stack, 'select count(*) as n from users.refresh_tokens where user_id = $1', [userId]);

  it('wrong passwords from one address, over many accounts, block the address; an unknown account name counts like a real one', async () => {
    // 8 failures are free for the address (two per name, below each name's own back-off).
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 2; j++) expect(errorCode(await login(`nobody-${i}-${Date.now()}`, 'guess')), `${i}/${j}`).toBe('UNAUTHENTICATED');
    }
    expect(errorCode(await login('nobody-last', 'guess'))).toBe('UNAUTHENTICATED');
    const retryAfter = refusedFor(await login('someone-else', 'guess'));
    expect(retryAfter).toBeLessThanOrEqual(2);
    await sleep(retryAfter * 1000);
    expect(errorCode(await login('someone-else', 'guess'))).toBe('UNAUTHENTICATED');
  });

  it('wrong passwords for one account back off progressively: refused before hashing, even the right one, until the back-off ends', async () => {
    const user = await registerUser(stack.url, 'victim');
    const before = await sessions(user.id);
    // Two free failures, then each further one blocks for 2^(n-2) s: 2 s after the third.
    for (let i = 0; i < 3; i++) expect(errorCode(await login(user.username, 'wrong password!'))).toBe('UNAUTHENTICATED');
    const refused = await login(user.username, password);
    const first = refusedFor(refused);
    expect(first).toBeLessThanOrEqual(2);
    expect(refused.errors![0]!.message).toMatch(/Too many wrong passwords for this account/);
    expect(await sessions(user.id)).toBe(before);

    await sleep(first * 1000);
    // A fourth failure doubles the back-off (4 s, the cap here).
    expect(errorCode(await login(user.username, 'wrong again!!'))).toBe('UNAUTHENTICATED');
    const second = refusedFor(await login(user.username, password));
    expect(second).toBeGreaterThan(first);
    await sleep(second * 1000);
    // The right password after the back-off signs in, and forgets the failures.
    const signedIn = await login(user.username.toUpperCase(), password);
    expect(signedIn.errors).toBeUndefined();
    expect(await sessions(user.id)).toBe(before + 1);
    expect(errorCode(await login(user.username, 'wrong password!'))).toBe('UNAUTHENTICATED');
    expect((await login(user.username, password)).errors).toBeUndefined();
  });

  it('registrations per address: past the limit RATE_LIMITED and no account is stored; allowed again after the window', async () => {
    const register = (username: string) =>
      graphql(stack.url, RegisterTestUserDocument, {
        input: { username, email: `${username}@example.com`, password, displayName: username },
      });
    const stamp = Date.now().toString(36);
    // The first test registered one user in this window, maybe: wait for a fresh one.
    await sleep(3000);
    for (let i = 0; i < 4; i++) expect((await register(`reg_${stamp}_${i}`)).errors).toBeUndefined();
    const retryAfter = refusedFor(await register(`reg_${stamp}_x`));
    expect(await count(stack, 'select count(*) as n from users.users where username = $1', [`reg_${stamp}_x`])).toBe(0);
    await sleep(retryAfter * 1000);
    expect((await register(`reg_${stamp}_x`)).errors).toBeUndefined();
  });
});
