import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAs } from '../support/chat.js';
import {
  DeleteMessageByDefaultDocument,
  EditMessageTextDocument,
  SearchMessageHitsDocument,
  SearchMessageIdsDocument,
} from '../support/generated/graphql.js';
import { errorCode, registerUser, source, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let mallory: TestUser;
let team: string;
let private_: string;
let mallorys: string;

beforeAll(async () => {
  stack = await startStack();
  [alice, bob, mallory] = await Promise.all([
    registerUser(stack.url, 'alice'),
    registerUser(stack.url, 'bob'),
    registerUser(stack.url, 'mallory'),
  ]);
  team = await chatAs(stack, alice).create('GROUP', [bob], 'Team');
  private_ = await chatAs(stack, alice).create('GROUP', [bob], 'Private');
  mallorys = await chatAs(stack, mallory).create('GROUP', [alice], 'Mallory’s');
});

afterAll(async () => {
  await stack?.close();
});

function search(as: TestUser, q: string, extra: { c?: string; first?: number } = {}) {
  return chatAs(stack, as).call(SearchMessageHitsDocument, { q, ...extra });
}

describe('searchMessages', () => {
  it('finds a message by a word in it, with its conversation and sender, whatever the case', async () => {
    const sent = await chatAs(stack, alice).send(team, 'The Flamingo migration starts on Monday');
    const response = await search(bob, 'FLAMINGO');
    expect(response.errors).toBeUndefined();
    expect(response.data?.searchMessages).toEqual([
      {
        id: sent.id,
        text: 'The Flamingo migration starts on Monday',
        conversation: { id: team, title: 'Team' },
        sender: { username: alice.username },
      },
    ]);
  });

  it('never returns messages from conversations the viewer is not in', async () => {
    await chatAs(stack, alice).send(private_, 'the walrus password is hunter2');
    const mallorysOwn = await chatAs(stack, mallory).send(mallorys, 'a walrus sighting');

    const forMallory = await search(mallory, 'walrus');
    expect(forMallory.data?.searchMessages.map((hit) => hit.id)).toEqual([mallorysOwn.id]);
    const forBob = await search(bob, 'walrus');
    expect(forBob.data?.searchMessages.map((hit) => hit.conversation.id)).toEqual([private_]);
  });

  it('ranks better matches first, and equal matches newest first', async () => {
    const once = await chatAs(stack, alice).send(team, 'one pelican flew by, and then the long afternoon went on and on');
    const thrice = await chatAs(stack, bob).send(team, 'pelican pelican pelican');
    const onceAgain = await chatAs(stack, alice).send(team, 'one pelican flew by, and then the long afternoon went on and on');
    const hits = (await search(alice, 'pelican')).data?.searchMessages.map((hit) => hit.id);
    expect(hits).toEqual([thrice.id, onceAgain.id, once.id]);
  });

  it('reads the query like a web search: all words, "phrases" and -exclusions', async () => {
    const both = await chatAs(stack, alice).send(team, 'orange juice with breakfast');
    const reversed = await chatAs(stack, alice).send(team, 'juice made of orange peel');
    await chatAs(stack, alice).send(team, 'only orange here');
    const ids = async (q: string) => (await search(alice, q)).data?.searchMessages.map((hit) => hit.id).sort();

    expect(await ids('orange juice')).toEqual([both.id, reversed.id].sort());
    expect(await ids('"orange juice"')).toEqual([both.id]);
    expect(await ids('orange juice -breakfast')).toEqual([reversed.id]);
  });

  it('searches one conversation when asked, and refuses one the viewer is not in with FORBIDDEN', async () => {
    const inTeam = await chatAs(stack, alice).send(team, 'quokka in the team room');
    await chatAs(stack, alice).send(private_, 'quokka in the private room');
    const hits = await search(bob, 'quokka', { c: team });
    expect(hits.data?.searchMessages.map((hit) => hit.id)).toEqual([inTeam.id]);

    const refused = await search(mallory, 'quokka', { c: team });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.data?.searchMessages ?? null).toBeNull();
  });

  it('finds edited text by its new words only, and skips deleted messages', async () => {
    const chat = chatAs(stack, alice);
    const edited = await chat.send(team, 'meet at the aardvark');
    await chat.call(EditMessageTextDocument, { id: edited.id, text: 'meet at the okapi' });
    const deleted = await chat.send(team, 'okapi facts, soon gone');
    await chat.call(DeleteMessageByDefaultDocument, { id: deleted.id });

    expect((await search(bob, 'aardvark')).data?.searchMessages).toEqual([]);
    expect((await search(bob, 'okapi')).data?.searchMessages.map((hit) => hit.id)).toEqual([edited.id]);
  });

  it('returns at most `first` results', async () => {
    for (let i = 0; i < 4; i++) await chatAs(stack, alice).send(team, `narwhal number ${i}`);
    expect((await search(alice, 'narwhal', { first: 3 })).data?.searchMessages).toHaveLength(3);
    expect((await search(alice, 'narwhal')).data?.searchMessages).toHaveLength(4);
  });

  it('returns nothing, not an error, for a query with no searchable words', async () => {
    const response = await search(alice, '!!! ...');
    expect(response.errors).toBeUndefined();
    expect(response.data?.searchMessages).toEqual([]);
  });

  it.each([
    ['an empty query', { q: '' }, 'query'],
    ['a blank query', { q: '   ' }, 'query'],
    ['a query over 200 characters', { q: 'w'.repeat(201) }, 'query'],
    ['first = 0', { q: 'flamingo', first: 0 }, 'first'],
    ['first = 51', { q: 'flamingo', first: 51 }, 'first'],
  ])('refuses %s with BAD_USER_INPUT', async (_case, variables, field) => {
    const response = await chatAs(stack, alice).call(SearchMessageHitsDocument, variables);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
  });

  it('needs a signed-in viewer', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: source(SearchMessageIdsDocument), variables: { query: 'flamingo' } }),
    });
    expect(errorCode((await response.json()) as never)).toBe('UNAUTHENTICATED');
  });
});
