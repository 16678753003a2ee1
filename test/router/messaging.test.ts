import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, importPKCS8 } from 'jose';
import { generateSigningKeys } from '@chirpchat/kit';
import { deferred } from '../support/async.js';
import {
  ConversationTextsDocument,
  CreateDirectConversationDocument,
  MessageAddedSenderDocument,
  MessageIdsSinceDocument,
  SendMessageSeqDocument,
} from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let mallory: TestUser;
let conversationId: string;

beforeAll(async () => {
  stack = await startStack();
  [alice, bob, mallory] = await Promise.all([
    registerUser(stack.url, 'alice'),
    registerUser(stack.url, 'bob'),
    registerUser(stack.url, 'mallory'),
  ]);
  const created = await graphql(stack.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
  conversationId = created.data!.createConversation.id;
});

afterAll(async () => {
  await stack?.close();
});

/** Waits for a socket's close event. */
function closeEvent(token: string | undefined) {
  const closed = deferred<{ code: number; reason: string }>();
  const client = wsClient(stack.wsUrl, token, closed.resolve);
  return { client, closed: closed.promise };
}

describe('messages through the router', () => {
  it('delivers a message live to the other member with seq 1 and the sender resolved by the users subgraph', async () => {
    const client = wsClient(stack.wsUrl, bob.accessToken);
    const live = subscribe(client, MessageAddedSenderDocument, { conversationId });
    await stack.waitForSubscribers(bob.id);

    const sent = await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: 'first', text: 'Hello Bob' } },
      alice.accessToken,
    );
    expect(sent.errors).toBeUndefined();

    const event = await live.next();
    expect(event.errors).toBeUndefined();
    expect(event.data).toEqual({
      messageAdded: {
        seq: 1,
        text: 'Hello Bob',
        conversationId,
        sender: { id: alice.id, username: alice.username, displayName: alice.displayName },
      },
    });
    await live.close();
    await client.dispose();
  });

  it('delivers every conversation of the viewer to a subscription without argument', async () => {
    const client = wsClient(stack.wsUrl, bob.accessToken);
    // A new subscription: the previous test's one on the same topic may still be being released.
    const subscribed = stack.waitForNewSubscriptions(`messageAdded:${bob.id}`);
    const live = subscribe(client, MessageAddedSenderDocument);
    await subscribed;
    await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: 'second', text: 'Still there?' } },
      alice.accessToken,
    );
    const event = await live.next();
    expect(event.data?.messageAdded).toMatchObject({ seq: 2, text: 'Still there?', sender: { displayName: alice.displayName } });
    await live.close();
    await client.dispose();
  });

  it('refuses a non-member the conversation, its messages and a subscription to it', async () => {
    const read = await graphql(stack.url, ConversationTextsDocument, { id: conversationId }, mallory.accessToken);
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(errorCode(read));
    expect(read.data?.conversation ?? null).toBeNull();

    const since = await graphql(stack.url, MessageIdsSinceDocument, { c: conversationId }, mallory.accessToken);
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(errorCode(since));
    expect(since.data ?? null).toBeNull();

    const send = await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: 'intrude', text: 'let me in' } },
      mallory.accessToken,
    );
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(errorCode(send));

    const client = wsClient(stack.wsUrl, mallory.accessToken);
    const live = subscribe(client, MessageAddedSenderDocument, { conversationId });
    const refused = await live.next();
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(refused.errors?.[0]?.extensions?.code);
    await live.completed;
    await client.dispose();
  });

  it('sends a non-member no events on a subscription without argument', async () => {
    const malloryClient = wsClient(stack.wsUrl, mallory.accessToken);
    const malloryLive = subscribe(malloryClient, MessageAddedSenderDocument);
    const bobClient = wsClient(stack.wsUrl, bob.accessToken);
    const bobLive = subscribe(bobClient, MessageAddedSenderDocument);
    await Promise.all([stack.waitForSubscribers(mallory.id), stack.waitForSubscribers(bob.id)]);

    await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: 'secret', text: 'for Bob only' } },
      alice.accessToken,
    );
    // Mallory's own conversation with Alice: the first event Mallory sees must be this one.
    const own = await graphql(stack.url, CreateDirectConversationDocument, { peer: mallory.id }, alice.accessToken);
    await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId: own.data!.createConversation.id, clientId: 'hi-mallory', text: 'Hi Mallory' } },
      alice.accessToken,
    );

    expect((await bobLive.next()).data?.messageAdded.text).toBe('for Bob only');
    expect((await malloryLive.next()).data?.messageAdded.text).toBe('Hi Mallory');
    await Promise.all([malloryLive.close(), bobLive.close()]);
    await Promise.all([malloryClient.dispose(), bobClient.dispose()]);
  });
});

describe('socket authentication', () => {
  it('closes a socket without a token with 4403', async () => {
    const { closed } = closeEvent(undefined);
    expect((await closed).code).toBe(4403);
  });

  it('closes a socket with a forged token with 4403', async () => {
    const forger = await importPKCS8(generateSigningKeys().privateKey, 'EdDSA');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(alice.id)
      .setIssuer('chirpchat')
      .setExpirationTime('10m')
      .sign(forger);
    const { closed } = closeEvent(forged);
    expect((await closed).code).toBe(4403);
  });

  it('closes a socket with an expired token with 4403', async () => {
    const key = await importPKCS8(stack.keys.privateKey, 'EdDSA');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(alice.id)
      .setIssuer('chirpchat')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(key);
    const { closed } = closeEvent(expired);
    expect((await closed).code).toBe(4403);
  });

  it('closes an open socket when its token expires', async () => {
    const key = await importPKCS8(stack.keys.privateKey, 'EdDSA');
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(alice.id)
      .setIssuer('chirpchat')
      .setExpirationTime(expiresAt)
      .sign(key);
    const { client, closed } = closeEvent(shortLived);
    const live = subscribe(client, MessageAddedSenderDocument);
    await stack.waitForSubscribers(alice.id);
    const event = await closed;
    expect(event.code).toBe(4403);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000 - 50);
    await live.close();
  });

  it('answers queries over the socket with a pointer to HTTP', async () => {
    const client = wsClient(stack.wsUrl, alice.accessToken);
    // A query, on purpose, where only subscriptions go.
    const result = await subscribe(client, `query { conversations { edges { node { id } } } }`).next();
    expect(result.errors?.[0]?.message).toMatch(/POST \/graphql/);
    await client.dispose();
  });
});

describe('health', () => {
  it('reports ok when every subgraph answers', async () => {
    const response = await fetch(new URL('/health', stack.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', liveDelivery: 'ok' });
  });
});
