import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveTopic } from '@chirpchat/chat';
import { errorCode, startChatFixture, type ChatFixture, type SubscriptionProbe, type TestUser } from './chat-fixture.js';
import {
  CreateConversationDocument,
  EditMessageDocument,
  MessageUpdatedDocument,
  RemoveMemberDocument,
  SendMessageDocument,
  type MessageUpdatedSubscription,
  type SendMessageMutation,
} from '../support/generated/chat-subgraph.js';

type Updated = MessageUpdatedSubscription;

/** The per-event membership check of messageUpdated, seen from the chat subgraph itself. */
describe('chat subgraph: messageUpdated', () => {
  let chat: ChatFixture;
  const open: Array<SubscriptionProbe<Updated>> = [];

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

  async function send(as: TestUser, conversationId: string, clientId: string): Promise<SendMessageMutation['sendMessage']> {
    const result = await chat.request(as, SendMessageDocument, {
      input: { conversationId, clientId, text: `text of ${clientId}` },
    });
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage;
  }

  async function listen(as: TestUser, conversationId?: string): Promise<SubscriptionProbe<Updated>> {
    const { probe, active } = chat.subscribe(as, MessageUpdatedDocument, conversationId ? { conversationId } : {});
    open.push(probe);
    await active;
    return probe;
  }

  it('drops an event that reaches a removed member’s topic, as when it was in flight during the removal', async () => {
    const { alice, bob } = chat.users;
    const shared = await group(alice, bob);
    const stillIn = await group(bob, alice);
    const before = await send(alice, shared, 'removal-1');
    const probe = await listen(bob);

    expect(errorCode(await chat.request(alice, RemoveMemberDocument, { c: shared, u: bob.id }))).toBeNull();
    // Published after he was removed, as when it was in flight: the per-event check must stop it.
    await chat.bus.publish(liveTopic('messageUpdated', shared), { event: { id: before.id, conversationId: shared }, except: null });
    const later = await send(alice, stillIn, 'removal-2');
    await chat.request(alice, EditMessageDocument, { id: later.id, text: 'edited where bob still is' });

    expect((await probe.next()).data!.messageUpdated).toEqual({ id: later.id, conversationId: stillIn, text: 'edited where bob still is' });
  });

  it('delivers only the named conversation’s changes to a subscriber that names one', async () => {
    const { alice, carol } = chat.users;
    const watched = await group(alice, carol);
    const other = await group(alice, carol);
    const ignored = await send(alice, other, 'filter-1');
    const wanted = await send(alice, watched, 'filter-2');
    const probe = await listen(carol, watched);

    await chat.request(alice, EditMessageDocument, { id: ignored.id, text: 'not watched' });
    await chat.request(alice, EditMessageDocument, { id: wanted.id, text: 'watched' });

    expect((await probe.next()).data!.messageUpdated).toEqual({ id: wanted.id, conversationId: watched, text: 'watched' });
  });

  it('answers FORBIDDEN when a non-member subscribes to a conversation', async () => {
    const { alice, bob, dave } = chat.users;
    const conversationId = await group(alice, bob);
    const { probe } = chat.subscribe(dave, MessageUpdatedDocument, { conversationId });
    open.push(probe);
    expect(errorCode(await probe.next())).toBe('FORBIDDEN');
    await probe.completed.promise;
  });
});
