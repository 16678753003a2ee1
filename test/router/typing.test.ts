import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateConversationIdDocument, SetTypingDocument, TypingEventsDocument } from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

const TTL_MS = 300;

let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;
let conversationId: string;

beforeAll(async () => {
  stack = await startStack({ typingTtlMs: TTL_MS });
  [alice, bob, carol, mallory] = await Promise.all([
    registerUser(stack.url, 'alice'),
    registerUser(stack.url, 'bob'),
    registerUser(stack.url, 'carol'),
    registerUser(stack.url, 'mallory'),
  ]);
  const created = await graphql(
    stack.url,
    CreateConversationIdDocument,
    { input: { kind: 'GROUP', title: 'Typing', memberIds: [bob.id, carol.id] } },
    alice.accessToken,
  );
  conversationId = created.data!.createConversation.id;
});

afterAll(async () => {
  await stack?.close();
});

async function setTyping(user: TestUser, typing: boolean): Promise<void> {
  const response = await graphql(stack.url, SetTypingDocument, { id: conversationId, typing }, user.accessToken);
  expect(response).toEqual({ data: { setTyping: true } });
}

/** Subscribes `users` to typing in the conversation and waits until each is listening. */
async function listen(...users: TestUser[]) {
  const sockets = users.map((user) => wsClient(stack.wsUrl, user.accessToken));
  const subscriptions = sockets.map((socket) => subscribe(socket, TypingEventsDocument, { id: conversationId }));
  await Promise.all(users.map((user) => stack.waitForNewSubscriptions(`typing:${user.id}`)));
  return {
    subscriptions,
    async close() {
      await Promise.all(subscriptions.map((live) => live.close()));
      await Promise.all(sockets.map((socket) => socket.dispose()));
    },
  };
}

const event = (user: TestUser, typing: boolean) => ({
  typing: { conversationId, typing, user: { id: user.id, displayName: user.displayName } },
});

describe('typing through the router', () => {
  it('passes typing on to the other members and never back to the typist', async () => {
    const live = await listen(alice, bob, carol);
    const [toAlice, toBob, toCarol] = live.subscriptions;

    await setTyping(alice, true);
    expect((await toBob!.next()).data).toEqual(event(alice, true));
    expect((await toCarol!.next()).data).toEqual(event(alice, true));
    await setTyping(alice, false);
    expect((await toBob!.next()).data).toEqual(event(alice, false));

    // Alice's first event is Bob's: she heard nothing of her own.
    await setTyping(bob, true);
    expect((await toAlice!.next()).data).toEqual(event(bob, true));
    await setTyping(bob, false);
    await live.close();
  });

  it('ends a typing state that is not renewed with typing: false, without a stop event', async () => {
    const live = await listen(bob);
    const [toBob] = live.subscriptions;

    const startedAt = Date.now();
    await setTyping(alice, true);
    expect((await toBob!.next()).data).toEqual(event(alice, true));
    expect((await toBob!.next(TTL_MS * 10)).data).toEqual(event(alice, false));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(TTL_MS);
    await live.close();
  });

  it('keeps a renewed typing state going without repeating it, and ends it a TTL after the last renewal', async () => {
    const live = await listen(bob);
    const [toBob] = live.subscriptions;

    await setTyping(carol, true);
    expect((await toBob!.next()).data).toEqual(event(carol, true));
    const renewedAt = Date.now();
    await setTyping(carol, true);
    expect((await toBob!.next(TTL_MS * 10)).data).toEqual(event(carol, false));
    expect(Date.now() - renewedAt).toBeGreaterThanOrEqual(TTL_MS);
    await live.close();
  });

  it('refuses a non-member setTyping and the subscription with FORBIDDEN', async () => {
    const response = await graphql(stack.url, SetTypingDocument, { id: conversationId, typing: true }, mallory.accessToken);
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect(response.data ?? null).toBeNull();

    const socket = wsClient(stack.wsUrl, mallory.accessToken);
    const refused = subscribe(socket, TypingEventsDocument, { id: conversationId });
    expect((await refused.next()).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await refused.completed;
    await socket.dispose();
  });
});
