import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveTopic } from '@chirpchat/chat';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { startChatFixture, type ChatFixture, type SubscriptionProbe, type TestUser } from './chat-fixture.js';
import {
  CreateConversationDocument,
  MarkDeliveredDocument,
  MarkReadDocument,
  MessageStatusesDocument,
  ReceiptUpdatedDocument,
  SendMessageDocument,
  SetTypingDocument,
  TypingDocument,
} from '../support/generated/chat-subgraph.js';

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
    const result = await chat.request(owner, CreateConversationDocument, {
      input: { kind: 'GROUP', memberIds: others.map((u) => u.id) },
    });
    return result.data!.createConversation.id;
  }

  async function send(as: TestUser, conversationId: string, clientId: string): Promise<void> {
    const result = await chat.request(as, SendMessageDocument, { input: { conversationId, clientId, text: clientId } });
    expect(result.errors).toBeUndefined();
  }

  /** Subscribes and waits until the server listens for it. */
  async function listen<T, V>(as: TestUser, document: TypedDocumentNode<T, V>, variables: NoInfer<V>): Promise<SubscriptionProbe<T>> {
    const { probe, active } = chat.subscribe(as, document, variables);
    open.push(probe as SubscriptionProbe<unknown>);
    await active;
    return probe;
  }

  it('drops a receipt about a conversation the subscriber is not in', async () => {
    const { alice, bob, dave } = chat.users;
    const private_ = await group(alice, bob);
    const daves = await group(dave, alice);
    await send(alice, daves, 'receipt-1');
    const probe = await listen(dave, ReceiptUpdatedDocument, {});

    // As if it had been published for a conversation Dave is in: the per-event check must stop it.
    await chat.bus.publish(liveTopic('receiptUpdated', private_), {
      event: { conversationId: private_, userId: bob.id, kind: 'READ', seq: 1 },
      except: null,
    });
    await chat.request(alice, MarkReadDocument, { id: daves, seq: 1 });

    expect((await probe.next()).data!.receiptUpdated).toEqual({ conversationId: daves, kind: 'READ', seq: 1, user: { id: alice.id } });
  });

  it('drops a typing event about the subscriber themself and one for another conversation', async () => {
    const { alice, bob, carol } = chat.users;
    const watched = await group(alice, bob);
    const other = await group(carol, bob);
    const probe = await listen(bob, TypingDocument, { conversationId: watched });

    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    await chat.bus.publish(liveTopic('typing', watched), {
      event: { conversationId: watched, userId: bob.id, typing: true, expiresAt },
      except: null,
    });
    await chat.request(carol, SetTypingDocument, { id: other, typing: true });
    await chat.request(alice, SetTypingDocument, { id: watched, typing: true });

    expect((await probe.next()).data!.typing).toEqual({ conversationId: watched, typing: true, user: { id: alice.id } });
  });

  it('gives every message of a 60-message page its status, and the unread count, from the members’ cursors', async () => {
    const { alice, bob, carol } = chat.users;
    const conversationId = await group(alice, bob, carol);
    for (let i = 1; i <= 60; i++) await send(i % 3 === 0 ? bob : alice, conversationId, `page-${conversationId}-${i}`);
    await chat.request(bob, MarkReadDocument, { id: conversationId, seq: 40 });
    await chat.request(bob, MarkDeliveredDocument, { id: conversationId, seq: 60 });
    await chat.request(carol, MarkReadDocument, { id: conversationId, seq: 20 });
    await chat.request(carol, MarkDeliveredDocument, { id: conversationId, seq: 50 });

    const result = await chat.request(carol, MessageStatusesDocument, { id: conversationId });
    const statuses = result.data!.conversation!.messages.edges.map(({ node }) => node.status);
    // Alice's messages wait for Bob and Carol; Bob's (every third) for Alice, who has marked nothing.
    const expected = Array.from({ length: 60 }, (_, i) => i + 1).map((seq) =>
      seq % 3 === 0 ? 'SENT' : seq <= 20 ? 'READ' : seq <= 50 ? 'DELIVERED' : 'SENT',
    );
    expect(statuses).toEqual(expected);
    expect(result.data!.conversation!.unreadCount).toBe(40);
  });
});
