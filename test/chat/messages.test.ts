import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startChatFixture, type ChatFixture, type Result, type TestUser } from './chat-fixture.js';
import {
  ConversationDocument,
  CreateConversationDocument,
  MessageDocument,
  MessagesDocument,
  MessagesSinceDocument,
  SendMessageDocument,
  type MessagesQuery,
  type MessagesQueryVariables,
} from '../support/generated/chat-subgraph.js';

type PageResult = Result<MessagesQuery>;
type Page = NonNullable<MessagesQuery['conversation']>['messages'];

describe('chat subgraph: messages', () => {
  let chat: ChatFixture;

  beforeAll(async () => {
    chat = await startChatFixture();
  });
  afterAll(async () => {
    await chat?.close();
  });

  async function group(owner: TestUser, ...others: TestUser[]): Promise<string> {
    const result = await chat.request(owner, CreateConversationDocument, {
      input: { kind: 'GROUP', memberIds: others.map((u) => u.id) },
    });
    return result.data!.createConversation.id;
  }

  function send(as: TestUser, conversationId: string, clientId: string, text: string | null = `text of ${clientId}`) {
    return chat.request(as, SendMessageDocument, { input: { conversationId, clientId, text } });
  }

  async function storedCount(conversationId: string): Promise<{ messages: number; lastSeq: number }> {
    const [messages] = await chat.sql<{ count: string }>('select count(*) from chat.message where conversation_id = $1', [conversationId]);
    const [conversation] = await chat.sql<{ last_seq: number }>('select last_seq from chat.conversation where id = $1', [conversationId]);
    return { messages: Number(messages!.count), lastSeq: conversation!.last_seq };
  }

  it('returns the first message again for a repeated clientId, without a new seq', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(alice, bob);

    const first = await send(alice, conversationId, 'repeat-1', 'hello');
    const again = await send(alice, conversationId, '  repeat-1  ', 'hello again');
    const next = await send(alice, conversationId, 'repeat-2', 'next');

    expect(first.errors).toBeUndefined();
    expect(again.data!.sendMessage).toEqual(first.data!.sendMessage);
    expect(first.data!.sendMessage).toMatchObject({
      seq: 1,
      clientId: 'repeat-1',
      text: 'hello',
      sender: { id: alice.id },
      conversationId,
    });
    expect(next.data!.sendMessage.seq).toBe(2);
    expect(await storedCount(conversationId)).toEqual({ messages: 2, lastSeq: 2 });
  });

  it('answers concurrent sends of one clientId with one message, burning no seq', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(alice, bob);

    const results = await Promise.all(Array.from({ length: 12 }, () => send(alice, conversationId, 'race-1', 'only once')));
    const next = await send(alice, conversationId, 'race-2');

    expect(results.filter((r) => r.errors)).toEqual([]);
    expect(new Set(results.map((r) => r.data!.sendMessage.id)).size).toBe(1);
    expect(results[0]!.data!.sendMessage.seq).toBe(1);
    expect(next.data!.sendMessage.seq).toBe(2);
    expect(await storedCount(conversationId)).toEqual({ messages: 2, lastSeq: 2 });
  });

  it('answers CONFLICT when a clientId was already used in another conversation', async () => {
    const { alice, bob, carol } = chat.users;
    const one = await group(alice, bob);
    const other = await group(alice, carol);
    await send(alice, one, 'reused-elsewhere');

    const result = await send(alice, other, 'reused-elsewhere');

    expect(errorCode(result)).toBe('CONFLICT');
    expect(await storedCount(other)).toEqual({ messages: 0, lastSeq: 0 });
  });

  it('numbers 50 concurrent sends 1 to 50 with no gaps, and repeats of them make nothing new', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(alice, bob);

    const sends = Array.from({ length: 50 }, (_, i) => send(i % 2 ? alice : bob, conversationId, `burst-${i}`));
    const retries = Array.from({ length: 10 }, (_, i) => send(i % 2 ? alice : bob, conversationId, `burst-${i}`));
    const results = await Promise.all([...sends, ...retries]);

    expect(results.filter((r) => r.errors)).toEqual([]);
    const seqs = results.slice(0, 50).map((r) => r.data!.sendMessage.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    results.slice(50).forEach((retry, i) => expect(retry.data!.sendMessage.id).toBe(results[i]!.data!.sendMessage.id));
    expect(await storedCount(conversationId)).toEqual({ messages: 50, lastSeq: 50 });
  });

  describe('with 120 messages', () => {
    let conversationId: string;

    beforeAll(async () => {
      const { alice, bob } = chat.users;
      conversationId = await group(alice, bob);
      for (let i = 1; i <= 120; i++) await send(i % 3 ? alice : bob, conversationId, `history-${i}`, `message ${i}`);
    });

    function page(variables: Omit<MessagesQueryVariables, 'id'>): Promise<PageResult> {
      return chat.request(chat.users.bob, MessagesDocument, { id: conversationId, ...variables });
    }

    it('pages backwards from the newest, 50 at a time, each message once and in order', async () => {
      const pages: Array<Page> = [];
      let before: string | null = null;
      do {
        const result: PageResult = await page({ first: 50, before });
        const current = result.data!.conversation!.messages;
        pages.push(current);
        before = current.pageInfo.hasPreviousPage ? current.pageInfo.startCursor : null;
      } while (before);

      expect(pages.map((p) => p.edges.map((e) => e.node.seq))).toEqual([range(71, 120), range(21, 70), range(1, 20)]);
      expect(pages.map((p) => [p.pageInfo.hasPreviousPage, p.pageInfo.hasNextPage])).toEqual([
        [true, false],
        [true, true],
        [false, true],
      ]);
      expect(pages[2]!.edges[0]!.node.text).toBe('message 1');
      expect(pages.map((p) => [p.pageInfo.startCursor, p.pageInfo.endCursor])).toEqual(
        pages.map((p) => [p.edges[0]!.cursor, p.edges.at(-1)!.cursor]),
      );
    });

    it('pages forwards from the oldest, 50 at a time, each message once and in order', async () => {
      const newest70 = (await page({ first: 70 })).data!.conversation!.messages;
      const pages: Array<Page> = [(await page({ first: 50, before: newest70.pageInfo.startCursor })).data!.conversation!.messages];
      while (pages.at(-1)!.pageInfo.hasNextPage) {
        const result: PageResult = await page({ first: 50, after: pages.at(-1)!.pageInfo.endCursor });
        pages.push(result.data!.conversation!.messages);
      }

      expect(pages.map((p) => p.edges.map((e) => e.node.seq))).toEqual([range(1, 50), range(51, 100), range(101, 120)]);
      expect(pages.map((p) => [p.pageInfo.hasPreviousPage, p.pageInfo.hasNextPage])).toEqual([
        [false, true],
        [true, true],
        [true, false],
      ]);
    });

    it('answers an empty page past either end with the flags still right', async () => {
      const newest = (await page({ first: 1 })).data!.conversation!.messages;
      const oldest = (await page({ first: 100, before: (await page({ first: 20 })).data!.conversation!.messages.pageInfo.startCursor }))
        .data!.conversation!.messages;

      const afterNewest = (await page({ after: newest.pageInfo.endCursor })).data!.conversation!.messages;
      const beforeOldest = (await page({ before: oldest.pageInfo.startCursor })).data!.conversation!.messages;

      expect(oldest.edges[0]!.node.seq).toBe(1);
      expect(afterNewest).toEqual({
        edges: [],
        pageInfo: { hasPreviousPage: true, hasNextPage: false, startCursor: null, endCursor: null },
      });
      expect(beforeOldest).toEqual({
        edges: [],
        pageInfo: { hasPreviousPage: false, hasNextPage: true, startCursor: null, endCursor: null },
      });
    });

    it('rejects a page size outside 1–100, both cursors at once and a malformed cursor with BAD_USER_INPUT', async () => {
      const cursor = (await page({ first: 1 })).data!.conversation!.messages.pageInfo.startCursor;

      const results = await Promise.all([
        page({ first: 101 }),
        page({ first: 0 }),
        page({ before: cursor, after: cursor }),
        page({ before: 'not a cursor' }),
        page({ after: Buffer.from('m:-3').toString('base64url') }),
      ]);

      expect(results.map(errorCode)).toEqual(results.map(() => 'BAD_USER_INPUT'));
    });

    it('returns exactly the messages after afterSeq from messagesSince, ascending', async () => {
      const since = (afterSeq: number, first?: number) =>
        chat.request(chat.users.alice, MessagesSinceDocument, { conversationId, afterSeq, first });

      const missed = await since(113);
      const capped = await since(0, 7);
      const none = await since(120);

      expect(missed.data!.messagesSince.map((m) => m.seq)).toEqual(range(114, 120));
      expect(missed.data!.messagesSince.map((m) => m.text)).toEqual(range(114, 120).map((n) => `message ${n}`));
      expect(capped.data!.messagesSince.map((m) => m.seq)).toEqual(range(1, 7));
      expect(none.data!.messagesSince).toEqual([]);
      expect([await since(-1), await since(0, 501), await since(0, 0)].map(errorCode)).toEqual([
        'BAD_USER_INPUT',
        'BAD_USER_INPUT',
        'BAD_USER_INPUT',
      ]);
    });

    it('shows the newest message as lastMessage', async () => {
      const result = await chat.request(chat.users.alice, ConversationDocument, { id: conversationId });

      expect(result.data!.conversation).toMatchObject({ lastSeq: 120, lastMessage: { seq: 120 } });
      expect(result.data!.conversation!.lastMessageAt).toEqual(expect.any(String));
    });
  });

  it('refuses empty and 10,001-character text with BAD_USER_INPUT and stores nothing', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(alice, bob);

    const results = await Promise.all([
      send(alice, conversationId, 'empty', ''),
      send(alice, conversationId, 'blank', ' \n\t '),
      send(alice, conversationId, 'missing', null),
      send(alice, conversationId, 'too-long', 'x'.repeat(10_001)),
      send(alice, conversationId, '   '),
      send(alice, conversationId, 'c'.repeat(65)),
    ]);
    const longest = await send(alice, conversationId, 'longest', 'y'.repeat(10_000));

    expect(results.map(errorCode)).toEqual(results.map(() => 'BAD_USER_INPUT'));
    expect(results[0]!.errors![0]!.message).toBe('A message needs text.');
    expect(longest.data!.sendMessage.seq).toBe(1);
    expect(await storedCount(conversationId)).toEqual({ messages: 1, lastSeq: 1 });
  });

  it('answers FORBIDDEN to a non-member for conversation, message, messagesSince and sendMessage', async () => {
    const { alice, bob, dave } = chat.users;
    const conversationId = await group(alice, bob);
    const sent = await send(bob, conversationId, 'private-1', 'secret');
    const messageId = sent.data!.sendMessage.id;

    const results = await Promise.all([
      chat.request(dave, ConversationDocument, { id: conversationId }),
      chat.request(dave, MessageDocument, { id: messageId }),
      chat.request(dave, MessagesDocument, { id: conversationId }),
      chat.request(dave, MessagesSinceDocument, { conversationId, afterSeq: 0 }),
      send(dave, conversationId, 'intruder-1', 'let me in'),
    ]);

    expect(results.map(errorCode)).toEqual(results.map(() => 'FORBIDDEN'));
    expect(JSON.stringify(results)).not.toContain('secret');
    expect(await storedCount(conversationId)).toEqual({ messages: 1, lastSeq: 1 });
    const asMember = await chat.request(alice, MessageDocument, {
      id: messageId,
    });
    expect(asMember.data!.message).toEqual({ id: messageId, seq: 1, text: 'secret', conversation: { id: conversationId } });
  });

  it('answers NOT_FOUND for messages and conversations that do not exist', async () => {
    const { alice } = chat.users;
    const missing = '00000000-0000-4000-8000-000000000000';

    const results = await Promise.all([
      chat.request(alice, MessageDocument, { id: missing }),
      chat.request(alice, MessageDocument, { id: 'nope' }),
      chat.request(alice, MessagesSinceDocument, { conversationId: missing, afterSeq: 0 }),
      send(alice, missing, 'nowhere-1'),
    ]);

    expect(results.map(errorCode)).toEqual(results.map(() => 'NOT_FOUND'));
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
