import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatAs } from '../support/chat.js';
import { registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

// The subgraphs of the stack run in this process and call each other with the global fetch (the
// router's own calls go through @apollo/gateway's fetcher), so counting fetches by origin counts
// the cross-subgraph requests an operation makes.
let stack: Stack;
let alice: TestUser;
let bob: TestUser;
const calls: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  stack = await startStack();
  [alice, bob] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
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
});
