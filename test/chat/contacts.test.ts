import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAs } from '../support/chat.js';
import { LeaveConversationDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

/** One aliased `user` per id, built at run time, so a string typed by hand. */
const SHARES = (ids: string[]) =>
  `{ ${ids.map((id, i) => `u${i}: user(id: "${id}") { id displayName sharesConversationWithMe }`).join(' ')} }`;

describe('User.sharesConversationWithMe through the router', () => {
  let stack: Stack;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;

  beforeAll(async () => {
    stack = await startStack();
    [alice, bob, carol, dave] = await Promise.all([
      registerUser(stack.url, 'alice'),
      registerUser(stack.url, 'bob'),
      registerUser(stack.url, 'carol'),
      registerUser(stack.url, 'dave'),
    ]);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function shares(viewer: TestUser, others: TestUser[]): Promise<boolean[]> {
    const response = await graphql<Record<string, { sharesConversationWithMe: boolean }>>(
      stack.url,
      SHARES(others.map((u) => u.id)),
      {},
      viewer.accessToken,
    );
    expect(response.errors).toBeUndefined();
    return others.map((_u, i) => response.data![`u${i}`]!.sharesConversationWithMe);
  }

  it('is true for the viewer and for current members of a conversation they are in, false for others and after leaving', async () => {
    const conversationId = await chatAs(stack, alice).create('GROUP', [bob]);
    await chatAs(stack, carol).create('DIRECT', [dave]);

    expect(await shares(alice, [alice, bob, carol, dave])).toEqual([true, true, false, false]);
    expect(await shares(bob, [alice, carol])).toEqual([true, false]);

    const left = await chatAs(stack, bob).call(LeaveConversationDocument, { c: conversationId });
    expect(left.errors).toBeUndefined();
    expect(await shares(alice, [bob])).toEqual([false]);
  });
});
