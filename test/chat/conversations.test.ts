import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTER_SECRET_HEADER } from '@chirpchat/kit';
import { errorCode, startChatFixture, type ChatFixture, type Result, type TestUser } from './chat-fixture.js';
import {
  ConversationDocument,
  ConversationsDocument,
  CreateConversationDocument,
  SendMessageDocument,
  type ConversationsQuery,
  type CreateConversationInput,
} from '../support/generated/chat-subgraph.js';

/** Federation's `_entities`, which the printed subgraph schema (and so codegen) does not know. */
const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Conversation {
        id
        lastSeq
      }
      ... on Message {
        id
        seq
        text
      }
    }
  }
`;

type ConversationPage = ConversationsQuery['conversations'];
type ListedConversation = ConversationPage['edges'][number]['node'];

describe('chat subgraph: conversations', () => {
  let chat: ChatFixture;

  beforeAll(async () => {
    chat = await startChatFixture();
  });
  afterAll(async () => {
    await chat?.close();
  });

  async function create(as: TestUser, input: CreateConversationInput) {
    return chat.request(as, CreateConversationDocument, { input });
  }

  async function conversationCount(): Promise<number> {
    const [row] = await chat.sql<{ count: string }>('select count(*) from chat.conversation');
    return Number(row!.count);
  }

  it('returns the same DIRECT conversation when either person creates it again', async () => {
    const { alice, bob } = chat.users;
    const first = await create(alice, { kind: 'DIRECT', memberIds: [bob.id] });
    const again = await create(alice, { kind: 'DIRECT', memberIds: [bob.id, alice.id] });
    const fromBob = await create(bob, { kind: 'DIRECT', memberIds: [alice.id] });

    expect(first.errors).toBeUndefined();
    const id = first.data!.createConversation.id;
    expect(again.data!.createConversation.id).toBe(id);
    expect(fromBob.data!.createConversation.id).toBe(id);
    expect(fromBob.data!.createConversation.myRole).toBe('MEMBER');
    expect(first.data!.createConversation.members).toEqual(
      expect.arrayContaining([
        { user: { id: alice.id }, role: 'OWNER' },
        { user: { id: bob.id }, role: 'MEMBER' },
      ]),
    );
  });

  it('makes one DIRECT conversation when the same pair creates it concurrently', async () => {
    const { carol, dave } = chat.users;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 ? create(carol, { kind: 'DIRECT', memberIds: [dave.id] }) : create(dave, { kind: 'DIRECT', memberIds: [carol.id] }),
      ),
    );

    const ids = new Set(results.map((r) => r.data?.createConversation.id));
    expect(results.map((r) => r.errors)).toEqual(results.map(() => undefined));
    expect(ids.size).toBe(1);
    const rows = await chat.sql('select id from chat.conversation where kind = $1 and direct_key = $2', [
      'DIRECT',
      [carol.id, dave.id].sort().join(':'),
    ]);
    expect(rows).toHaveLength(1);
  });

  it('rejects unknown member ids with BAD_USER_INPUT naming them, and stores nothing', async () => {
    const { alice, bob } = chat.users;
    const before = await conversationCount();
    const lookupsBefore = chat.usersSubgraph.requests.length;

    const result = await create(alice, { kind: 'GROUP', title: 'Trip', memberIds: [bob.id, chat.strangerId] });

    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toContain(chat.strangerId);
    expect(result.errors![0]!.message).not.toContain(bob.id);
    expect(await conversationCount()).toBe(before);
    const lookup = chat.usersSubgraph.requests[lookupsBefore]!;
    expect(lookup[ROUTER_SECRET_HEADER]).toBeTruthy();
    expect(lookup.authorization).toBe(alice.authorization);
  });

  it('checks titles and member counts by kind, storing nothing for bad input', async () => {
    const { alice, bob, carol } = chat.users;
    const before = await conversationCount();

    const cases: CreateConversationInput[] = [
      { kind: 'CHANNEL', memberIds: [bob.id] },
      { kind: 'CHANNEL', title: '   ', memberIds: [bob.id] },
      { kind: 'GROUP', title: 'x'.repeat(101), memberIds: [bob.id] },
      { kind: 'DIRECT', title: 'Hi', memberIds: [bob.id] },
      { kind: 'DIRECT', memberIds: [bob.id, carol.id] },
      { kind: 'DIRECT', memberIds: [alice.id] },
      { kind: 'GROUP', memberIds: Array.from({ length: 257 }, (_, i) => `user-${i}`) },
    ];
    const results = await Promise.all(cases.map((input) => create(alice, input)));

    expect(results.map(errorCode)).toEqual(cases.map(() => 'BAD_USER_INPUT'));
    expect(await conversationCount()).toBe(before);
  });

  it('creates a channel with a trimmed title, the caller as OWNER and duplicates removed', async () => {
    const { alice, bob, carol } = chat.users;
    const result = await create(alice, { kind: 'CHANNEL', title: '  News  ', memberIds: [bob.id, carol.id, bob.id, alice.id] });

    const conversation = result.data!.createConversation;
    expect(conversation).toMatchObject({ kind: 'CHANNEL', title: 'News', lastSeq: 0, myRole: 'OWNER' });
    expect(conversation.members.map((m) => m.user.id).sort()).toEqual([alice.id, bob.id, carol.id].sort());
    expect(conversation.members.filter((m) => m.role === 'OWNER')).toEqual([{ user: { id: alice.id }, role: 'OWNER' }]);
  });

  it('answers FORBIDDEN to non-members and NOT_FOUND for ids that do not exist', async () => {
    const { alice, bob, dave } = chat.users;
    const { data } = await create(alice, { kind: 'GROUP', memberIds: [bob.id] });
    const id = data!.createConversation.id;

    const asMember = await chat.request(bob, ConversationDocument, { id });
    const asOutsider = await chat.request(dave, ConversationDocument, { id });
    const unknown = await chat.request(alice, ConversationDocument, { id: '00000000-0000-4000-8000-000000000000' });
    const malformed = await chat.request(alice, ConversationDocument, { id: 'not-an-id' });
    const anonymous = await chat.request(null, ConversationDocument, { id });

    expect(asMember.data!.conversation).toMatchObject({ id, kind: 'GROUP', title: null, myRole: 'MEMBER', lastMessage: null });
    expect(errorCode(asOutsider)).toBe('FORBIDDEN');
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(errorCode(malformed)).toBe('NOT_FOUND');
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
  });

  it('resolves _entities only for members and returns null to everyone else', async () => {
    const { alice, bob, dave } = chat.users;
    const { data } = await create(alice, { kind: 'GROUP', memberIds: [bob.id] });
    const conversationId = data!.createConversation.id;
    const sent = await chat.request(alice, SendMessageDocument, {
      input: { conversationId, clientId: 'entities-1', text: 'hello' },
    });
    const representations = [
      { __typename: 'Conversation', id: conversationId },
      { __typename: 'Message', id: sent.data!.sendMessage.id },
    ];

    const asMember = await chat.request<{ _entities: unknown[] }>(bob, ENTITIES, { representations });
    const asOutsider = await chat.request<{ _entities: unknown[] }>(dave, ENTITIES, { representations });
    const anonymous = await chat.request<{ _entities: unknown[] }>(null, ENTITIES, { representations });

    expect(asMember.data!._entities).toEqual([
      { id: conversationId, lastSeq: 1 },
      { id: sent.data!.sendMessage.id, seq: 1, text: 'hello' },
    ]);
    expect(asOutsider.errors).toBeUndefined();
    expect(asOutsider.data!._entities).toEqual([null, null]);
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
  });

  it('lists only the viewer’s conversations, newest activity first, each once across pages', async () => {
    const [erin, frank, gina] = await Promise.all([chat.newUser(), chat.newUser(), chat.newUser()]);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await create(erin, { kind: 'GROUP', title: `Group ${i}`, memberIds: [frank.id] });
      created.push(result.data!.createConversation.id);
    }
    await create(frank, { kind: 'GROUP', title: 'Without erin', memberIds: [gina.id] });
    await chat.request(frank, SendMessageDocument, { input: { conversationId: created[0]!, clientId: 'list-1', text: 'bump' } });

    const seen: ListedConversation[] = [];
    const pages: Array<ConversationPage['pageInfo']> = [];
    let after: string | null = null;
    do {
      const result: Result<ConversationsQuery> = await chat.request(erin, ConversationsDocument, {
        first: 2,
        after,
      });
      const page = result.data!.conversations;
      seen.push(...page.edges.map((e) => e.node));
      pages.push(page.pageInfo);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);

    expect(seen.map((c) => c.id).sort()).toEqual([...created].sort());
    expect(seen[0]!.id).toBe(created[0]);
    const activity = (c: ListedConversation) => c.lastMessageAt ?? c.createdAt;
    for (let i = 1; i < seen.length; i++) {
      const [newer, older] = [seen[i - 1]!, seen[i]!];
      expect(activity(newer) > activity(older) || (activity(newer) === activity(older) && newer.id > older.id)).toBe(true);
    }
    expect(pages.map((p) => [p.hasPreviousPage, p.hasNextPage])).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
  });

  it('rejects a page size above 100 and a malformed cursor with BAD_USER_INPUT', async () => {
    const { alice } = chat.users;

    const tooMany = await chat.request(alice, ConversationsDocument, { first: 101 });
    const none = await chat.request(alice, ConversationsDocument, { first: 0 });
    const badCursor = await chat.request(alice, ConversationsDocument, { after: 'garbage!' });

    expect([tooMany, none, badCursor].map(errorCode)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });
});
