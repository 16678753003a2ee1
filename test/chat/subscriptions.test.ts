import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveTopic } from '@chirpchat/chat';
import { errorCode, startChatFixture, type ChatFixture, type SubscriptionProbe, type TestUser } from './chat-fixture.js';
import {
  CreateConversationDocument,
  MessageAddedDocument,
  SendMessageDocument,
  type MessageAddedSubscription,
  type SendMessageMutation,
} from '../support/generated/chat-subgraph.js';

type Added = MessageAddedSubscription;
type Sent = SendMessageMutation['sendMessage'];

describe('chat subgraph: messageAdded', () => {
  let chat: ChatFixture;
  const open: Array<SubscriptionProbe<Added>> = [];

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

  async function send(as: TestUser, conversationId: string, clientId: string, text = `text of ${clientId}`): Promise<Sent> {
    const result = await chat.request(as, SendMessageDocument, { input: { conversationId, clientId, text } });
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage;
  }

  /** Subscribes and waits until the server listens, so nothing sent afterwards can be missed. */
  async function listen(as: TestUser, conversationId?: string): Promise<SubscriptionProbe<Added>> {
    const { probe, active } = chat.subscribe(as, MessageAddedDocument, conversationId ? { conversationId } : {});
    open.push(probe);
    await active;
    return probe;
  }

  it('delivers a new message to subscribers of that conversation and of all their conversations', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(alice, bob);
    const toOne = await listen(bob, conversationId);
    const toAll = await listen(alice);

    const sent = await send(alice, conversationId, 'live-1', 'hello live');

    const expected = { ...sent, conversation: { id: conversationId, lastSeq: 1 } };
    expect(await toOne.next()).toEqual({ data: { messageAdded: expected } });
    expect(await toAll.next()).toEqual({ data: { messageAdded: expected } });
  });

  it('delivers nothing to a subscriber outside the conversation', async () => {
    const { alice, bob, dave } = chat.users;
    const private_ = await group(alice, bob);
    const daves = await group(dave, alice);
    const outsider = await listen(dave);

    await send(alice, private_, 'outside-1', 'not for dave');
    const later = await send(alice, daves, 'outside-2', 'for dave');

    const first = await outsider.next();
    expect(first.data!.messageAdded).toMatchObject({ id: later.id, text: 'for dave' });
  });

  it('delivers only the named conversation’s messages to a subscriber that names one', async () => {
    const { alice, bob, carol } = chat.users;
    const watched = await group(alice, carol);
    const other = await group(bob, carol);
    const probe = await listen(carol, watched);

    await send(bob, other, 'filter-1');
    const later = await send(alice, watched, 'filter-2');

    expect((await probe.next()).data!.messageAdded.id).toBe(later.id);
  });

  it('drops an event for a conversation the subscriber is not in, even when it reaches their instance', async () => {
    const { alice, bob, dave } = chat.users;
    const private_ = await group(alice, bob);
    const daves = await group(dave, bob);
    const outsider = await listen(dave);
    const secret = await send(alice, private_, 'forged-1', 'secret');

    // As if membership changed between publish and delivery: the per-event check must stop it.
    const { id, conversationId, seq, clientId, text, createdAt } = secret;
    await chat.bus.publish(liveTopic('messageAdded', conversationId), {
      event: { id, conversationId, seq, clientId, senderId: alice.id, text, createdAt },
      except: null,
    });
    const later = await send(bob, daves, 'forged-2');

    expect((await outsider.next()).data!.messageAdded.id).toBe(later.id);
  });

  it('answers FORBIDDEN when a non-member subscribes to a conversation, and NOT_FOUND for an unknown one', async () => {
    const { alice, bob, dave } = chat.users;
    const conversationId = await group(alice, bob);

    const forbidden = chat.subscribe(dave, MessageAddedDocument, { conversationId }).probe;
    const missing = chat.subscribe(dave, MessageAddedDocument, { conversationId: '00000000-0000-4000-8000-000000000000' }).probe;
    open.push(forbidden, missing);

    expect(errorCode(await forbidden.next())).toBe('FORBIDDEN');
    expect(errorCode(await missing.next())).toBe('NOT_FOUND');
    await Promise.all([forbidden.completed.promise, missing.completed.promise]);
  });

  it('sends no second event when a clientId is repeated', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(alice, bob);
    const probe = await listen(bob, conversationId);

    const first = await send(alice, conversationId, 'once-1');
    await send(alice, conversationId, 'once-1');
    const second = await send(alice, conversationId, 'once-2');

    expect((await probe.next()).data!.messageAdded).toMatchObject({ id: first.id, seq: 1 });
    expect((await probe.next()).data!.messageAdded).toMatchObject({ id: second.id, seq: 2 });
  });

  it('releases its bus listener as soon as the client unsubscribes, without waiting for an event', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(alice, bob);
    const topic = liveTopic('messageAdded', conversationId);
    const probe = await listen(bob, conversationId);
    const released = chat.bus.when('released', topic, chat.bus.count('released', topic) + 1);

    probe.close();
    await released;
    const again = await listen(bob, conversationId);
    const sent = await send(alice, conversationId, 'after-close-1');

    expect((await again.next()).data!.messageAdded.id).toBe(sent.id);
  });
});
