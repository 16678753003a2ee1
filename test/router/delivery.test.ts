import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConversationIdsDocument,
  ConversationPageDocument,
  CreateConversationIdDocument,
  CreateDirectConversationDocument,
  MessagesAfterSeqDocument,
  SendMessageClientIdDocument,
} from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let alice: TestUser;
let bob: TestUser;

async function newConversation(): Promise<string> {
  const created = await graphql(
    stack.url,
    CreateConversationIdDocument,
    { input: { kind: 'GROUP', title: 'Team', memberIds: [bob.id] } },
    alice.accessToken,
  );
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createConversation.id;
}

async function send(conversationId: string, clientId: string, text: string, user = alice) {
  return graphql(stack.url, SendMessageClientIdDocument, { input: { conversationId, clientId, text } }, user.accessToken);
}

beforeAll(async () => {
  stack = await startStack();
  [alice, bob] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
});

afterAll(async () => {
  await stack?.close();
});

describe('sending', () => {
  it('returns the first message again for a repeated clientId', async () => {
    const conversationId = await newConversation();
    const first = await send(conversationId, 'same-key', 'once');
    const again = await send(conversationId, 'same-key', 'once');
    expect(again.data?.sendMessage).toEqual(first.data?.sendMessage);
    const read = await graphql(stack.url, ConversationPageDocument, { id: conversationId }, bob.accessToken);
    expect(read.data?.conversation?.lastSeq).toBe(1);
    expect(read.data?.conversation?.messages.edges).toHaveLength(1);
  });

  it('gives 50 concurrent sends the seqs 1..50 with no gap or duplicate', async () => {
    const conversationId = await newConversation();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send(conversationId, `burst-${i}`, `message ${i}`, i % 2 ? alice : bob)),
    );
    expect(results.every((r) => !r.errors)).toBe(true);
    const seqs = results.map((r) => r.data!.sendMessage.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('stores nothing for an empty message or one over 10,000 characters', async () => {
    const conversationId = await newConversation();
    for (const text of ['', '   ', 'x'.repeat(10_001)]) {
      const response = await send(conversationId, `bad-${text.length}`, text);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.message.length).toBeGreaterThan(10);
    }
    const read = await graphql(stack.url, ConversationPageDocument, { id: conversationId }, alice.accessToken);
    expect(read.data?.conversation?.lastSeq).toBe(0);
    expect(read.data?.conversation?.messages.edges).toEqual([]);
  });

  it('refuses unknown user ids when creating a conversation and stores nothing', async () => {
    const before = await graphql(stack.url, ConversationIdsDocument, {}, alice.accessToken);
    const response = await graphql(
      stack.url,
      CreateConversationIdDocument,
      { input: { kind: 'GROUP', title: 'Ghosts', memberIds: ['00000000-0000-4000-8000-000000000000'] } },
      alice.accessToken,
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    const after = await graphql(stack.url, ConversationIdsDocument, {}, alice.accessToken);
    expect(after.data?.conversations.edges).toEqual(before.data?.conversations.edges);
  });

  it('returns the existing DIRECT conversation for the same peer', async () => {
    const first = await graphql(stack.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
    const second = await graphql(stack.url, CreateDirectConversationDocument, { peer: alice.id }, bob.accessToken);
    expect(second.data?.createConversation.id).toBe(first.data?.createConversation.id);
  });
});

describe('history', () => {
  let conversationId: string;

  beforeAll(async () => {
    conversationId = await newConversation();
    for (let i = 1; i <= 120; i++) {
      const response = await send(conversationId, `history-${i}`, `line ${i}`);
      if (response.errors) throw new Error(JSON.stringify(response.errors));
    }
  });

  it('reads 120 messages back 50 at a time from the newest, each exactly once, in order', async () => {
    const seen: number[] = [];
    let before: string | undefined;
    let pages = 0;
    for (;;) {
      const response = await graphql(stack.url, ConversationPageDocument, { id: conversationId, first: 50, before }, bob.accessToken);
      const { edges, pageInfo } = response.data!.conversation!.messages;
      const seqs = edges.map((e) => e.node.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      seen.unshift(...seqs);
      pages++;
      if (!pageInfo.hasPreviousPage) break;
      before = pageInfo.startCursor!;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('reads 120 messages forward 50 at a time from the oldest, each exactly once, in order', async () => {
    // The cursor of the oldest message: page backwards until nothing older exists.
    let oldestCursor: string | undefined;
    for (let before: string | undefined; ;) {
      const page = await graphql(stack.url, ConversationPageDocument, { id: conversationId, first: 100, before }, bob.accessToken);
      const { pageInfo } = page.data!.conversation!.messages;
      oldestCursor = before = pageInfo.startCursor!;
      if (!pageInfo.hasPreviousPage) break;
    }

    const seen: number[] = [1];
    let pages = 0;
    for (let after = oldestCursor; ;) {
      const response = await graphql(stack.url, ConversationPageDocument, { id: conversationId, first: 50, after }, bob.accessToken);
      const { edges, pageInfo } = response.data!.conversation!.messages;
      seen.push(...edges.map((e) => e.node.seq));
      pages++;
      expect(pageInfo.hasPreviousPage).toBe(true);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor!;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('returns exactly the missed messages from messagesSince, in order', async () => {
    const response = await graphql(stack.url, MessagesAfterSeqDocument, { c: conversationId, afterSeq: 97, first: 200 }, bob.accessToken);
    expect(response.data?.messagesSince.map((m) => m.seq)).toEqual(Array.from({ length: 23 }, (_, i) => 98 + i));
    expect(response.data?.messagesSince[0]?.text).toBe('line 98');
  });

  it('refuses a page size over the cap', async () => {
    const response = await graphql(stack.url, ConversationPageDocument, { id: conversationId, first: 101 }, bob.accessToken);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });
});
