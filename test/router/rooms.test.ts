import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner } from '@chirpchat/kit';
import {
  AddMembersDocument,
  AddReactionViewDocument,
  CreateRoomDocument,
  LeaveConversationDocument,
  RemoveMemberDocument,
  RoomMessagesDocument,
  RoomMessagesLikeTheAppDocument,
  RoomMessagesPerViewerDocument,
  RoomUpdatesPerViewerDocument,
  RoomUpdatesSharingDocument,
  SendMessageSeqDocument,
} from '../support/generated/graphql.js';
import { graphql, registerUser, subscribe, wsClient, type Subscription, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

// What one message costs must not depend on how many people hold a subscription to its room:
// the same number of SQL statements and of requests to the subgraphs for a room of 300 as for
// a room of 30. Counted in this process, where the whole stack runs: every pg query through
// pg.Client (but pg-boss's own timers), every HTTP request a subgraph or the router receives (node's own diagnostics channel).

const LARGE = 300;
const SMALL = 30;

let stack: Stack;
let alice: TestUser;
/** The room's people, made directly in the database (argon2 for 300 sign-ups would dominate the test). */
let people: Array<{ id: string; email: string; token: string }>;
const clients: Client[] = [];

let statements = 0;
const requests = new Map<string, number>();
const realQuery = pg.Client.prototype.query;
const countRequest = (message: unknown) => {
  const { request } = message as { request: IncomingMessage };
  const port = request.socket.localPort;
  const target =
    [
      ['router', stack.url],
      ['users', stack.usersUrl],
      ['chat', stack.chatUrl],
      ['media', stack.mediaUrl],
    ].find(([, url]) => Number(new URL(url!).port) === port)?.[0] ?? `port ${port}`;
  requests.set(target, (requests.get(target) ?? 0) + 1);
};

beforeAll(async () => {
  stack = await startStack();
  // Nothing in the background: notifications' pushes and media's polling would add statements of their own.
  await Promise.all([stack.notifications.stop(), stack.media.stop()]);
  alice = await registerUser(stack.url, 'alice');
  const sign = await createTokenSigner(stack.keys.privateKey, 900);
  people = await Promise.all(
    Array.from({ length: LARGE }, async (_, index) => {
      const id = randomUUID();
      return { id, email: `member${index}@example.com`, token: (await sign(id)).token };
    }),
  );
  await stack.sql(
    `insert into "users"."users" ("id", "username", "email", "display_name", "password_hash", "created_at", "updated_at")
     select p.id::uuid, 'member' || p.n, p.email, 'Member ' || p.n, 'not-a-password', now(), now()
       from jsonb_to_recordset($1::jsonb) as p("id" text, "email" text, "n" int)`,
    [JSON.stringify(people.map((person, n) => ({ id: person.id, email: person.email, n })))],
  );
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    // Left out, as they run on timers of their own and may fall into either window: pg-boss's
    // house-keeping (its job inserts, the send's durable event, still count) and the debounced
    // NOTIFY that wakes the push queue after a burst of sends.
    const timed = (/pgboss\./i.test(text ?? '') && !/insert into pgboss\.job/i.test(text ?? '')) || /pg_notify/i.test(text ?? '');
    if (!timed) statements += 1;
    return (realQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof realQuery;
  diagnostics.subscribe('http.server.request.start', countRequest);
}, 120_000);

afterAll(async () => {
  diagnostics.unsubscribe('http.server.request.start', countRequest);
  pg.Client.prototype.query = realQuery;
  await Promise.all(clients.map((client) => client.dispose()));
  await stack?.close();
});

async function room(title: string, members: Array<{ id: string }>): Promise<string> {
  const ids = members.map((member) => member.id);
  const created = await graphql(stack.url, CreateRoomDocument, { title, members: ids.slice(0, 256) }, alice.accessToken);
  const id = created.data!.createConversation.id;
  if (ids.length > 256)
    expect((await graphql(stack.url, AddMembersDocument, { c: id, u: ids.slice(256) }, alice.accessToken)).errors).toBeUndefined();
  return id;
}

function connect(token: string): Client {
  const client = wsClient(stack.wsUrl, token);
  clients.push(client);
  return client;
}

let sent = 0;
async function send(conversationId: string, text: string, replyToId?: string) {
  const result = await graphql(
    stack.url,
    SendMessageSeqDocument,
    { input: { conversationId, clientId: `c${++sent}`, text, ...(replyToId ? { replyToId } : {}) } },
    alice.accessToken,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.sendMessage;
}

/** Reads each subscription's next event and checks it is `messageId`. */
async function everyoneGets<T extends { messageAdded: { id: string } }>(subscriptions: Array<Subscription<T>>, messageId: string) {
  const events = await Promise.all(subscriptions.map((subscription) => subscription.next()));
  expect(events.filter((event) => event.data?.messageAdded.id === messageId)).toHaveLength(subscriptions.length);
  return events;
}

describe('a message in a room of 300 subscribers', () => {
  it('costs as many SQL statements and subgraph requests as in a room of 30, and reaches each subscriber once', async () => {
    const small = await room('Thirty', people.slice(0, SMALL));
    const large = await room('Three hundred', people);
    const subscriptions = people.map((person) => subscribe(connect(person.token), RoomMessagesDocument));
    await Promise.all(people.map((person) => stack.waitForSubscribers(person.id)));

    const cost = async (conversationId: string, members: number) => {
      const listening = subscriptions.slice(0, members);
      // The first message of a room reads its members once; the one measured comes after.
      await everyoneGets(listening, (await send(conversationId, 'warm-up')).id);
      statements = 0;
      requests.clear();
      const message = await send(conversationId, `to ${members}`);
      const events = await everyoneGets(listening, message.id);
      return { statements, requests: Object.fromEntries(requests), events };
    };
    const inSmall = await cost(small, SMALL);
    const inLarge = await cost(large, LARGE);

    expect(inSmall.statements).toBeGreaterThan(0); // the counter sees the send's own statements
    expect(inLarge.statements).toBe(inSmall.statements);
    expect(inLarge.requests).toEqual(inSmall.requests);
    // The send itself, then the event's sender resolved once for everyone: one request to users.
    expect(inLarge.requests).toEqual({ router: 1, chat: 1, users: 1 });
    const sender = { id: alice.id, displayName: alice.displayName };
    expect(inLarge.events.map((event) => event.data!.messageAdded.sender)).toEqual(people.map(() => sender));

    // Nothing more came: each subscriber got each message once.
    const extra = await Promise.all(
      subscriptions.map((subscription) =>
        subscription.next(200).then(
          (event) => event,
          () => null,
        ),
      ),
    );
    expect(extra.filter(Boolean)).toEqual([]);
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
  }, 120_000);

  it('costs as much in a room of 300 as of 30 with the web app’s selection too: its fields for each viewer are resolved once per group of viewers who see the same', async () => {
    const small = await room('Thirty like the app', people.slice(0, SMALL));
    const large = await room('Three hundred like the app', people);
    // The sender listens too: with the sender's email selected, they are a group of their own.
    const own = subscribe(connect(alice.accessToken), RoomMessagesLikeTheAppDocument);
    const subscriptions = people.map((person) => subscribe(connect(person.token), RoomMessagesLikeTheAppDocument));
    await Promise.all([alice.id, ...people.map((person) => person.id)].map((id) => stack.waitForSubscribers(id)));

    const cost = async (conversationId: string, members: number) => {
      const listening = [own, ...subscriptions.slice(0, members)];
      const first = await send(conversationId, 'warm-up');
      await everyoneGets(listening, first.id);
      statements = 0;
      requests.clear();
      const message = await send(conversationId, `to ${members}`, first.id);
      const events = await everyoneGets(listening, message.id);
      return { statements, requests: Object.fromEntries(requests), events, first };
    };
    const inSmall = await cost(small, SMALL);
    const inLarge = await cost(large, LARGE);

    expect(inLarge.statements).toBe(inSmall.statements);
    expect(inLarge.requests).toEqual(inSmall.requests);
    // The send, then for each of the two groups (the sender, everyone else) two fetches from
    // users (the sender, the reply's sender): the same for 300 as for 30, where per viewer it
    // was two per subscriber.
    expect(inLarge.requests).toEqual({ router: 1, chat: 1, users: 4 });
    const sender = { id: alice.id, displayName: alice.displayName };
    const expected = (email: string | null) => ({
      hiddenForMe: false,
      sender: { ...sender, email },
      replyTo: { id: inLarge.first.id, text: 'warm-up', hiddenForMe: false, sender },
      reactions: [],
    });
    const seen = inLarge.events.map(({ data }) => {
      const { hiddenForMe, sender, replyTo, reactions } = data!.messageAdded;
      return { hiddenForMe, sender, replyTo, reactions };
    });
    expect(seen).toEqual([expected(`${alice.username}@example.com`), ...people.map(() => expected(null))]);
    await Promise.all([own, ...subscriptions].map((subscription) => subscription.close()));
  }, 120_000);

  it('stops a removed member’s events at once, on the shared stream', async () => {
    const [kept, removed] = people.slice(0, 2);
    const conversationId = await room('Removal', [kept!, removed!]);
    const [keptLive, removedLive] = [kept!, removed!].map((person) => subscribe(connect(person.token), RoomMessagesDocument));
    await Promise.all([kept!, removed!].map((person) => stack.waitForSubscribers(person.id)));
    await everyoneGets([keptLive!, removedLive!], (await send(conversationId, 'before')).id);

    expect(
      (await graphql(stack.url, RemoveMemberDocument, { c: conversationId, u: removed!.id }, alice.accessToken)).errors,
    ).toBeUndefined();
    const after = await send(conversationId, 'after the removal');
    const elsewhere = await room('Still in', [removed!]);
    const stillIn = await send(elsewhere, 'where they still are');

    expect((await keptLive!.next()).data!.messageAdded.id).toBe(after.id);
    // The next event the removed member gets is from the room they are still in.
    expect((await removedLive!.next()).data!.messageAdded.id).toBe(stillIn.id);
    await Promise.all([keptLive!.close(), removedLive!.close()]);
  });
});

describe('fields that depend on the viewer', () => {
  it('differ per subscriber: the sender’s own email, and who reacted', async () => {
    const [bob, carol] = people.slice(0, 2);
    const conversationId = await room('Per viewer', [bob!, carol!]);
    const viewers = [
      { id: alice.id, token: alice.accessToken, email: `${alice.username}@example.com` },
      { id: bob!.id, token: bob!.token, email: bob!.email },
      { id: carol!.id, token: carol!.token, email: carol!.email },
    ];
    const added = viewers.map((viewer) => subscribe(connect(viewer.token), RoomMessagesPerViewerDocument));
    const updated = viewers.map((viewer) => subscribe(connect(viewer.token), RoomUpdatesPerViewerDocument));
    await Promise.all(
      viewers.flatMap((viewer) => [stack.waitForSubscribers(viewer.id), stack.waitForSubscribers(viewer.id, 1, 'messageUpdated')]),
    );

    const message = await send(conversationId, 'who am I to you?');
    const events = await everyoneGets(added, message.id);
    // Only Alice sees her own email on the sender; nobody has hidden or reacted to it yet.
    expect(events.map((event) => event.data!.messageAdded.sender)).toEqual([
      { id: alice.id, email: `${alice.username}@example.com` },
      { id: alice.id, email: null },
      { id: alice.id, email: null },
    ]);
    expect(events.map((event) => event.data!.messageAdded.hiddenForMe)).toEqual([false, false, false]);

    expect((await graphql(stack.url, AddReactionViewDocument, { id: message.id, emoji: '👍' }, bob!.token)).errors).toBeUndefined();
    const changes = await Promise.all(updated.map((subscription) => subscription.next()));
    expect(changes.map((event) => event.data!.messageUpdated.reactions)).toEqual([
      [{ emoji: '👍', count: 1, reactedByMe: false }],
      [{ emoji: '👍', count: 1, reactedByMe: true }],
      [{ emoji: '👍', count: 1, reactedByMe: false }],
    ]);
    await Promise.all([...added, ...updated].map((subscription) => subscription.close()));
  });

  it('are resolved for each viewer alone when a group cannot be told apart: a sender who left, still sharing a room with some members', async () => {
    // People in no other room of this file (every one of `people` is in the room of 300).
    const [bob, carol, dave, erin] = (await Promise.all(['bob', 'carol', 'dave', 'erin'].map((name) => registerUser(stack.url, name)))) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const conversationId = await room('Left behind', [bob, carol, dave, erin]);
    // Alice and Bob still share a room with Dave after he leaves; Carol and Erin do not.
    await room('Elsewhere', [bob, dave]);
    const sentByDave = await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: randomUUID(), text: 'bye' } },
      dave.accessToken,
    );
    const messageId = sentByDave.data!.sendMessage.id;
    expect((await graphql(stack.url, LeaveConversationDocument, { c: conversationId }, dave.accessToken)).errors).toBeUndefined();

    const viewers = [
      { id: alice.id, token: alice.accessToken },
      { id: bob.id, token: bob.accessToken },
      { id: carol.id, token: carol.accessToken },
      { id: erin.id, token: erin.accessToken },
    ];
    const updated = viewers.map((viewer) => subscribe(connect(viewer.token), RoomUpdatesSharingDocument));
    await Promise.all(viewers.map((viewer) => stack.waitForSubscribers(viewer.id, 1, 'messageUpdated')));
    expect((await graphql(stack.url, AddReactionViewDocument, { id: messageId, emoji: '👋' }, carol.accessToken)).errors).toBeUndefined();

    const changes = await Promise.all(updated.map((subscription) => subscription.next()));
    // Alice, Bob and Erin have not reacted, yet Erin must not get what Alice and Bob see of Dave.
    expect(changes.map(({ data }) => [data!.messageUpdated.sender.sharesConversationWithMe, data!.messageUpdated.reactions])).toEqual([
      [true, [{ emoji: '👋', reactedByMe: false }]],
      [true, [{ emoji: '👋', reactedByMe: false }]],
      [false, [{ emoji: '👋', reactedByMe: true }]],
      [false, [{ emoji: '👋', reactedByMe: false }]],
    ]);
    await Promise.all(updated.map((subscription) => subscription.close()));
  });
});
