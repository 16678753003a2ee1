import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startChatFixture, type ChatFixture, type SubscriptionProbe, type TestUser } from './chat-fixture.js';
import { CREATE_CONVERSATION, SEND_MESSAGE, type ConversationShape, type MessageShape } from './operations.js';

type Updated = { messageUpdated: { id: string; conversationId: string; text: string | null } };

const MESSAGE_UPDATED = /* GraphQL */ `
  subscription ($conversationId: ID) {
    messageUpdated(conversationId: $conversationId) {
      id
      conversationId
      text
    }
  }
`;
const EDIT = `mutation($id: ID!, $text: String!) { editMessage(id: $id, text: $text) { id } }`;
const REMOVE = `mutation($c: ID!, $u: ID!) { removeMember(conversationId: $c, userId: $u) { id } }`;

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
    const result = await chat.request<{ createConversation: ConversationShape }>(owner, CREATE_CONVERSATION, {
      input: { kind: 'GROUP', memberIds: others.map((u) => u.id) },
    });
    return result.data!.createConversation.id;
  }

  async function send(as: TestUser, conversationId: string, clientId: string): Promise<MessageShape> {
    const result = await chat.request<{ sendMessage: MessageShape }>(as, SEND_MESSAGE, {
      input: { conversationId, clientId, text: `text of ${clientId}` },
    });
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage;
  }

  async function listen(as: TestUser, conversationId?: string): Promise<SubscriptionProbe<Updated>> {
    const { probe, active } = chat.subscribe<Updated>(as, MESSAGE_UPDATED, conversationId ? { conversationId } : {}, 'messageUpdated');
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

    expect(errorCode(await chat.request(alice, REMOVE, { c: shared, u: bob.id }))).toBeNull();
    // Published for Bob's topic after he was removed: the per-event check must stop it.
    await chat.bus.publish(`messageUpdated:${bob.id}`, { id: before.id, conversationId: shared });
    const later = await send(alice, stillIn, 'removal-2');
    await chat.request(alice, EDIT, { id: later.id, text: 'edited where bob still is' });

    expect((await probe.next()).data!.messageUpdated).toEqual({ id: later.id, conversationId: stillIn, text: 'edited where bob still is' });
  });

  it('delivers only the named conversation’s changes to a subscriber that names one', async () => {
    const { alice, carol } = chat.users;
    const watched = await group(alice, carol);
    const other = await group(alice, carol);
    const ignored = await send(alice, other, 'filter-1');
    const wanted = await send(alice, watched, 'filter-2');
    const probe = await listen(carol, watched);

    await chat.request(alice, EDIT, { id: ignored.id, text: 'not watched' });
    await chat.request(alice, EDIT, { id: wanted.id, text: 'watched' });

    expect((await probe.next()).data!.messageUpdated).toEqual({ id: wanted.id, conversationId: watched, text: 'watched' });
  });

  it('answers FORBIDDEN when a non-member subscribes to a conversation', async () => {
    const { alice, bob, dave } = chat.users;
    const conversationId = await group(alice, bob);
    const { probe } = chat.subscribe<Updated>(dave, MESSAGE_UPDATED, { conversationId }, 'messageUpdated');
    open.push(probe);
    expect(errorCode(await probe.next())).toBe('FORBIDDEN');
    await probe.completed.promise;
  });
});
