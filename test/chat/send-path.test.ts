import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatAs } from '../support/chat.js';
import { errorCode, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

// The subgraphs of the stack run in this process and call each other with the global fetch (the
// router's own calls go through undici's request), so counting fetches by origin counts
// the cross-subgraph requests an operation makes.
let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
const calls: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  stack = await startStack();
  [alice, bob, carol] = await Promise.all([
    registerUser(stack.url, 'alice'),
    registerUser(stack.url, 'bob'),
    registerUser(stack.url, 'carol'),
  ]);
  globalThis.fetch = (input, init) => {
    calls.push(new URL(input instanceof Request ? input.url : String(input)).origin);
    return realFetch(input, init);
  };
});
afterEach(() => void calls.splice(0));
afterAll(async () => {
  globalThis.fetch = realFetch;
  await stack?.close();
});

const callsTo = (url: string) => calls.filter((origin) => origin === new URL(url).origin).length;

describe('the send path', () => {
  it('asks no other subgraph when a text has no @words and no files', async () => {
    const chat = chatAs(stack, alice);
    const conversationId = await chat.create('GROUP', [bob]);
    calls.splice(0);
    // The first send of a sender, when no cache could hold their display name.
    await chat.send(conversationId, 'hello, no mentions here');
    await chat.send(conversationId, 'and again');
    expect(callsTo(stack.usersUrl)).toBe(0);
    expect(callsTo(stack.mediaUrl)).toBe(0);
  });

  it('asks the users subgraph once for the @words of a text, and media not at all', async () => {
    const chat = chatAs(stack, alice);
    const conversationId = await chat.create('GROUP', [bob]);
    calls.splice(0);
    const sent = await chat.send(conversationId, `hi @${bob.username} and @nobody`);
    expect(sent.mentions.map((user) => user.id)).toEqual([bob.id]);
    expect(callsTo(stack.usersUrl)).toBe(1);
    expect(callsTo(stack.mediaUrl)).toBe(0);
  });

  it('enqueues the "message sent" event with what the send locked in: seq, kind, title and recipients', async () => {
    const chat = chatAs(stack, alice);
    const conversationId = await chat.create('GROUP', [bob, carol], 'Climbing');
    const sent = await chat.send(conversationId, 'rope at six');
    const [job] = await stack.sql<{ data: unknown; retry_limit: number }>(
      `select data, retry_limit from pgboss.job where name = 'message-sent' and id::text = $1`,
      [sent.id],
    );
    expect(job?.data).toEqual({
      messageId: sent.id,
      conversationId,
      conversationKind: 'GROUP',
      conversationTitle: 'Climbing',
      seq: 1,
      senderId: alice.id,
      text: 'rope at six',
      recipientIds: expect.arrayContaining([bob.id, carol.id]),
      mentionedUserIds: [],
    });
    expect((job?.data as { recipientIds: string[] }).recipientIds).toHaveLength(2);
    // The queue's own defaults, as pg-boss fills them in.
    expect(job?.retry_limit).toBe(8);
  });

  it('stores nothing and enqueues nothing for a plain MEMBER posting in a CHANNEL', async () => {
    const conversationId = await chatAs(stack, alice).create('CHANNEL', [bob], 'News');
    const refused = await chatAs(stack, bob).trySend(conversationId, 'may I?');
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toBe('Only owners and admins post in a channel.');
    const [state] = await stack.sql<{ last_seq: number; jobs: number }>(
      `select c.last_seq, (select count(*)::int from pgboss.job j where j.name = 'message-sent' and j.data->>'conversationId' = $1) as jobs
         from chat.conversation c where c.id::text = $1`,
      [conversationId],
    );
    expect(state).toEqual({ last_seq: 0, jobs: 0 });
    expect((await chatAs(stack, alice).send(conversationId, 'only we post here')).seq).toBe(1);
  });
});
