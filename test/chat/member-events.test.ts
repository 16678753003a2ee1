import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatFixture, type ChatFixture, type SubscriptionProbe, type TestUser } from './chat-fixture.js';
import { CREATE_CONVERSATION, SEND_MESSAGE, type ConversationShape } from './operations.js';

const RECEIPTS = `subscription($conversationId: ID) { receiptUpdated(conversationId: $conversationId) { conversationId kind seq user { id } } }`;
const TYPING = `subscription($conversationId: ID!) { typing(conversationId: $conversationId) { conversationId typing user { id } } }`;
const MARK_READ = `mutation($id: ID!, $seq: Int!) { markRead(conversationId: $id, seq: $seq) }`;
const MARK_DELIVERED = `mutation($id: ID!, $seq: Int!) { markDelivered(conversationId: $id, seq: $seq) }`;
const SET_TYPING = `mutation($id: ID!, $typing: Boolean!) { setTyping(conversationId: $id, typing: $typing) }`;
const PAGE_STATUS = `query($id: ID!) { conversation(id: $id) { unreadCount messages(first: 100) { edges { node { seq status } } } } }`;

type Receipt = { receiptUpdated: { conversationId: string; kind: string; seq: number; user: { id: string } } };
type Typing = { typing: { conversationId: string; typing: boolean; user: { id: string } } };

describe('chat subgraph: receipt and typing events', () => {
  let chat: ChatFixture;
  const open: SubscriptionProbe<unknown>[] = [];

  beforeAll(async () => {
    chat = await startChatFixture();
  });
  afterAll(async () => {
    for (const probe of open) probe.close();
    await chat?.close();
  });

  async function group(owner: TestUser, ...others: TestUser[]): Promise<string> {
    const result = await chat.request<{ createConversation: ConversationShape }>(owner, CREATE_CONVERSATION, {
      input: { kind: 'GROUP', memberIds: others.map((u) => u.id) },
    });
    return result.data!.createConversation.id;
  }

  async function send(as: TestUser, conversationId: string, clientId: string): Promise<void> {
    const result = await chat.request(as, SEND_MESSAGE, { input: { conversationId, clientId, text: clientId } });
    expect(result.errors).toBeUndefined();
  }

  /** Subscribes and waits until the server listens on the user's topic for it. */
  async function listen<T>(as: TestUser, topic: string, query: string, variables: Record<string, unknown>): Promise<SubscriptionProbe<T>> {
    const key = `${topic}:${as.id}`;
    const active = chat.bus.when('subscribed', key, chat.bus.count('subscribed', key) + 1);
    const { probe } = chat.subscribe<T>(as, query, variables);
    open.push(probe as SubscriptionProbe<unknown>);
    await active;
    return probe;
  }

  it('drops a receipt that reaches the topic of someone outside its conversation', async () => {
    const { alice, bob, dave } = chat.users;
    const private_ = await group(alice, bob);
    const daves = await group(dave, alice);
    await send(alice, daves, 'receipt-1');
    const probe = await listen<Receipt>(dave, 'receiptUpdated', RECEIPTS, {});

    // As if Dave had left between publish and delivery: the per-event check must stop it.
    await chat.bus.publish(`receiptUpdated:${dave.id}`, { conversationId: private_, userId: bob.id, kind: 'READ', seq: 1 });
    await chat.request(alice, MARK_READ, { id: daves, seq: 1 });

    expect((await probe.next()).data!.receiptUpdated).toEqual({ conversationId: daves, kind: 'READ', seq: 1, user: { id: alice.id } });
  });

  it('drops a typing event about the subscriber themself and one for another conversation', async () => {
    const { alice, bob, carol } = chat.users;
    const watched = await group(alice, bob);
    const other = await group(carol, bob);
    const probe = await listen<Typing>(bob, 'typing', TYPING, { conversationId: watched });

    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    await chat.bus.publish(`typing:${bob.id}`, { conversationId: watched, userId: bob.id, typing: true, expiresAt });
    await chat.request(carol, SET_TYPING, { id: other, typing: true });
    await chat.request(alice, SET_TYPING, { id: watched, typing: true });

    expect((await probe.next()).data!.typing).toEqual({ conversationId: watched, typing: true, user: { id: alice.id } });
  });

  it('gives every message of a 60-message page its status, and the unread count, from the members’ cursors', async () => {
    const { alice, bob, carol } = chat.users;
    const conversationId = await group(alice, bob, carol);
    for (let i = 1; i <= 60; i++) await send(i % 3 === 0 ? bob : alice, conversationId, `page-${conversationId}-${i}`);
    await chat.request(bob, MARK_READ, { id: conversationId, seq: 40 });
    await chat.request(bob, MARK_DELIVERED, { id: conversationId, seq: 60 });
    await chat.request(carol, MARK_READ, { id: conversationId, seq: 20 });
    await chat.request(carol, MARK_DELIVERED, { id: conversationId, seq: 50 });

    const result = await chat.request<{
      conversation: { unreadCount: number; messages: { edges: Array<{ node: { seq: number; status: string } }> } };
    }>(carol, PAGE_STATUS, { id: conversationId });
    const statuses = result.data!.conversation.messages.edges.map(({ node }) => node.status);
    // Alice's messages wait for Bob and Carol; Bob's (every third) for Alice, who has marked nothing.
    const expected = Array.from({ length: 60 }, (_, i) => i + 1).map((seq) =>
      seq % 3 === 0 ? 'SENT' : seq <= 20 ? 'READ' : seq <= 50 ? 'DELIVERED' : 'SENT',
    );
    expect(statuses).toEqual(expected);
    expect(result.data!.conversation.unreadCount).toBe(40);
  });
});
