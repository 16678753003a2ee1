import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberIdsDocument,
  CreateReceiptsGroupDocument,
  LoginAccessTokenDocument,
  MarkDeliveredDocument,
  MarkReadDocument,
  MessageStatusesDocument,
  ReceiptCursorsDocument,
  ReceiptUpdatedDocument,
  SendMessageSeqDocument,
  UnreadCountDocument,
  UnreadCountsDocument,
  type MarkDeliveredMutation,
  type MarkReadMutation,
  type MarkReadMutationVariables,
} from '../support/generated/graphql.js';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { errorCode, graphql, registerUser, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

/** markRead or markDelivered: the same variables, a boolean answer. */
type Mark = TypedDocumentNode<MarkReadMutation | MarkDeliveredMutation, MarkReadMutationVariables>;

let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;

beforeAll(async () => {
  stack = await startStack();
  [alice, bob, carol, mallory] = await Promise.all([
    registerUser(stack.url, 'alice'),
    registerUser(stack.url, 'bob'),
    registerUser(stack.url, 'carol'),
    registerUser(stack.url, 'mallory'),
  ]);
});

afterAll(async () => {
  await stack?.close();
});

async function ok<T, V>(document: TypedDocumentNode<T, V>, variables: NoInfer<V>, user: TestUser): Promise<T> {
  const response = await graphql(stack.url, document, variables, user.accessToken);
  if (response.errors || !response.data) throw new Error(JSON.stringify(response.errors));
  return response.data;
}

async function group(owner: TestUser, ...others: TestUser[]): Promise<string> {
  return (await ok(CreateReceiptsGroupDocument, { peers: others.map((u) => u.id) }, owner)).createConversation.id;
}

async function send(user: TestUser, conversationId: string, clientId: string): Promise<number> {
  return (await ok(SendMessageSeqDocument, { input: { conversationId, clientId, text: `text ${clientId}` } }, user)).sendMessage.seq;
}

async function mark(query: Mark, user: TestUser, conversationId: string, seq: number): Promise<void> {
  expect(await ok(query, { id: conversationId, seq }, user)).toEqual({ [query === MarkReadDocument ? 'markRead' : 'markDelivered']: true });
}

/** Each message's status as `viewer` reads it, by seq. */
async function statuses(conversationId: string, viewer: TestUser): Promise<string[]> {
  const data = await ok(MessageStatusesDocument, { id: conversationId }, viewer);
  return data.conversation!.messages.edges.map((edge) => edge.node.status);
}

async function unread(conversationId: string, user: TestUser): Promise<number> {
  return (await ok(UnreadCountDocument, { id: conversationId }, user)).conversation!.unreadCount;
}

describe('delivered and read receipts through the router', () => {
  it('moves the sender’s status SENT → DELIVERED → READ as the two other members receive and read', async () => {
    const conversationId = await group(alice, bob, carol);
    for (const key of ['s1', 's2', 's3']) await send(alice, conversationId, `status-${key}`);
    expect(await statuses(conversationId, alice)).toEqual(['SENT', 'SENT', 'SENT']);

    await mark(MarkDeliveredDocument, bob, conversationId, 3);
    expect(await statuses(conversationId, alice)).toEqual(['SENT', 'SENT', 'SENT']);

    await mark(MarkDeliveredDocument, carol, conversationId, 2);
    expect(await statuses(conversationId, alice)).toEqual(['DELIVERED', 'DELIVERED', 'SENT']);

    await mark(MarkDeliveredDocument, carol, conversationId, 3);
    expect(await statuses(conversationId, alice)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);

    await mark(MarkReadDocument, bob, conversationId, 3);
    expect(await statuses(conversationId, alice)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);

    await mark(MarkReadDocument, carol, conversationId, 1);
    expect(await statuses(conversationId, alice)).toEqual(['READ', 'DELIVERED', 'DELIVERED']);

    await mark(MarkReadDocument, carol, conversationId, 3);
    expect(await statuses(conversationId, alice)).toEqual(['READ', 'READ', 'READ']);
    // Everyone sees the status the sender sees.
    expect(await statuses(conversationId, bob)).toEqual(['READ', 'READ', 'READ']);

    const members = (await ok(ReceiptCursorsDocument, { id: conversationId }, alice)).conversation!.members;
    expect(members).toEqual(
      expect.arrayContaining([
        { user: { id: alice.id }, lastDeliveredSeq: 0, lastReadSeq: 0 },
        { user: { id: bob.id }, lastDeliveredSeq: 3, lastReadSeq: 3 },
        { user: { id: carol.id }, lastDeliveredSeq: 3, lastReadSeq: 3 },
      ]),
    );
  });

  it('marks delivered up to the seq read (read implies delivered) and never moves a cursor back', async () => {
    const conversationId = await group(alice, bob);
    for (const key of ['1', '2', '3', '4']) await send(alice, conversationId, `back-${key}`);
    await mark(MarkReadDocument, bob, conversationId, 3);
    await mark(MarkReadDocument, bob, conversationId, 1);
    await mark(MarkDeliveredDocument, bob, conversationId, 2);
    // Two devices marking at once: the higher seq wins, whichever lands last.
    await Promise.all([mark(MarkReadDocument, bob, conversationId, 4), mark(MarkReadDocument, bob, conversationId, 2)]);

    const members = (await ok(ReceiptCursorsDocument, { id: conversationId }, bob)).conversation!.members;
    expect(members).toContainEqual({ user: { id: bob.id }, lastDeliveredSeq: 4, lastReadSeq: 4 });
    expect(await statuses(conversationId, alice)).toEqual(['READ', 'READ', 'READ', 'READ']);
  });

  it('keeps each member’s unreadCount exact, without their own messages, across a reconnect', async () => {
    const conversationId = await group(alice, bob, carol);
    for (const key of ['1', '2', '3']) await send(alice, conversationId, `unread-a${key}`);
    await send(bob, conversationId, 'unread-b1');
    expect([await unread(conversationId, alice), await unread(conversationId, bob), await unread(conversationId, carol)]).toEqual([
      1, 3, 4,
    ]);

    await mark(MarkReadDocument, carol, conversationId, 2);
    await mark(MarkReadDocument, bob, conversationId, 4);
    await mark(MarkReadDocument, bob, conversationId, 1);
    expect([await unread(conversationId, bob), await unread(conversationId, carol)]).toEqual([0, 2]);

    // A reconnect: a new session with a new token and a socket opened and closed again.
    const login = await graphql(stack.url, LoginAccessTokenDocument, {
      input: { login: carol.username, password: 'correct horse battery staple' },
    });
    const carolAgain = { ...carol, accessToken: login.data!.login.accessToken };
    const socket = wsClient(stack.wsUrl, carolAgain.accessToken);
    await socket.dispose();
    const list = (await ok(UnreadCountsDocument, {}, carolAgain)).conversations.edges.map((edge) => edge.node);
    expect(list).toContainEqual({ id: conversationId, unreadCount: 2 });
    expect(await unread(conversationId, carolAgain)).toBe(2);

    await send(alice, conversationId, 'unread-a4');
    expect([await unread(conversationId, alice), await unread(conversationId, bob), await unread(conversationId, carol)]).toEqual([
      1, 1, 3,
    ]);
    await mark(MarkReadDocument, carol, conversationId, 5);
    expect(await unread(conversationId, carol)).toBe(0);
  });

  it('tells the other members when a cursor moves, and neither the member who moved it nor anyone when it did not move', async () => {
    const conversationId = await group(alice, bob, carol);
    for (const key of ['1', '2', '3']) await send(alice, conversationId, `live-${key}`);
    const clients = [alice, bob, carol].map((user) => wsClient(stack.wsUrl, user.accessToken));
    const [toAlice, toBob, toCarol] = [
      subscribe(clients[0]!, ReceiptUpdatedDocument, { id: conversationId }),
      subscribe(clients[1]!, ReceiptUpdatedDocument),
      subscribe(clients[2]!, ReceiptUpdatedDocument, { id: conversationId }),
    ];
    await Promise.all([alice, bob, carol].map((user) => stack.waitForNewSubscriptions(`receiptUpdated:${user.id}`)));

    await mark(MarkReadDocument, carol, conversationId, 2);
    const carolRead = { conversationId, user: { id: carol.id, displayName: carol.displayName }, kind: 'READ', seq: 2 };
    expect((await toAlice.next()).data).toEqual({ receiptUpdated: carolRead });
    expect((await toBob.next()).data).toEqual({ receiptUpdated: carolRead });

    await mark(MarkReadDocument, carol, conversationId, 2);
    await mark(MarkDeliveredDocument, carol, conversationId, 1);
    await mark(MarkDeliveredDocument, bob, conversationId, 3);
    const bobDelivered = { conversationId, user: { id: bob.id, displayName: bob.displayName }, kind: 'DELIVERED', seq: 3 };
    expect((await toAlice.next()).data).toEqual({ receiptUpdated: bobDelivered });
    expect((await toCarol.next()).data).toEqual({ receiptUpdated: bobDelivered });

    await Promise.all([toAlice, toBob, toCarol].map((live) => live.close()));
    await Promise.all(clients.map((client) => client.dispose()));
  });

  it('refuses a seq past the last message or below 1 with BAD_USER_INPUT and moves nothing', async () => {
    const conversationId = await group(alice, bob);
    await send(alice, conversationId, 'range-1');
    for (const [query, seq] of [
      [MarkReadDocument, 2],
      [MarkDeliveredDocument, 2],
      [MarkReadDocument, 0],
      [MarkDeliveredDocument, -1],
    ] as Array<[Mark, number]>) {
      const response = await graphql(stack.url, query, { id: conversationId, seq }, bob.accessToken);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe('seq');
    }
    const members = (await ok(ReceiptCursorsDocument, { id: conversationId }, bob)).conversation!.members;
    expect(members).toContainEqual({ user: { id: bob.id }, lastDeliveredSeq: 0, lastReadSeq: 0 });
  });

  it('refuses a non-member the marks and a subscription to the conversation, and sends them no receipts', async () => {
    const conversationId = await group(alice, bob);
    await send(alice, conversationId, 'private-1');
    for (const query of [MarkReadDocument, MarkDeliveredDocument] as Mark[]) {
      const response = await graphql(stack.url, query, { id: conversationId, seq: 1 }, mallory.accessToken);
      expect(errorCode(response)).toBe('FORBIDDEN');
    }

    const client = wsClient(stack.wsUrl, mallory.accessToken);
    const refused = subscribe(client, ReceiptUpdatedDocument, { id: conversationId });
    expect((await refused.next()).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await refused.completed;

    const everything = subscribe(client, ReceiptUpdatedDocument);
    await stack.waitForNewSubscriptions(`receiptUpdated:${mallory.id}`);
    await mark(MarkReadDocument, bob, conversationId, 1);
    // Mallory's own conversation with Alice: the first receipt Mallory gets must be from there.
    const own = await group(alice, mallory);
    await send(mallory, own, 'mallory-1');
    await mark(MarkReadDocument, alice, own, 1);
    expect((await everything.next()).data?.receiptUpdated).toMatchObject({ conversationId: own, user: { id: alice.id }, seq: 1 });
    await everything.close();
    await client.dispose();
  });
});

describe('members added later', () => {
  it('start with nothing unread and leave earlier messages READ for their senders', async () => {
    const id = await group(alice, bob);
    await send(alice, id, 'before-join-1');
    const seq = await send(alice, id, 'before-join-2');
    await mark(MarkReadDocument, bob, id, seq);
    expect(await statuses(id, alice)).toEqual(['READ', 'READ']);

    await ok(AddMemberIdsDocument, { id, users: [carol.id] }, alice);
    expect(await unread(id, carol)).toBe(0);
    expect(await statuses(id, alice)).toEqual(['READ', 'READ']);

    await send(alice, id, 'after-join');
    expect(await unread(id, carol)).toBe(1);
  });
});
