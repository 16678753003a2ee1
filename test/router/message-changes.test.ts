import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAs, type MessageView } from '../support/chat.js';
import {
  AddReactionViewDocument,
  ConversationTextsDocument,
  DeleteMessageByDefaultDocument,
  DeleteMessageViewDocument,
  EditMessageViewDocument,
  MessageUpdatedReactionsDocument,
  MessagesSinceViewDocument,
  RemoveReactionViewDocument,
  SearchMessageIdsDocument,
  SetMemberRoleDocument,
} from '../support/generated/graphql.js';
import { errorCode, registerUser, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

function people<Names extends string[]>(...names: Names): Promise<{ [K in keyof Names]: TestUser }> {
  return Promise.all(names.map((name) => registerUser(stack.url, name))) as Promise<{ [K in keyof Names]: TestUser }>;
}

/** A group with an OWNER and two MEMBERs, and one message from the first member. */
async function groupWithMessage(text = 'the original text') {
  const [owner, author, other] = await people('owner', 'author', 'other');
  const group = await chatAs(stack, owner).create('GROUP', [author, other]);
  const message = await chatAs(stack, author).send(group, text);
  return { owner, author, other, group, message };
}

describe('replies', () => {
  it('resolves replyTo to the earlier message, with its sender from the users subgraph', async () => {
    const { author, other, group, message } = await groupWithMessage('what time?');
    const reply = await chatAs(stack, other).send(group, 'at noon', { replyToId: message.id });
    expect(reply.replyTo).toEqual({
      id: message.id,
      seq: 1,
      text: 'what time?',
      deletedAt: null,
      sender: { id: author.id, username: author.username },
    });
    expect((await chatAs(stack, author).message(reply.id)).data?.message?.replyTo?.id).toBe(message.id);
  });

  it('refuses a replyToId from another conversation, an unknown one or a deleted one with BAD_USER_INPUT, storing nothing', async () => {
    const { owner, author, group, message } = await groupWithMessage();
    const elsewhere = await chatAs(stack, owner).create('GROUP', [author]);
    const gone = await chatAs(stack, author).send(group, 'to be deleted');
    await chatAs(stack, author).call(DeleteMessageViewDocument, { id: gone.id });

    for (const replyToId of [message.id, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const response = await chatAs(stack, author).trySend(elsewhere, 'a reply', { replyToId });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe('replyToId');
    }
    expect(errorCode(await chatAs(stack, author).trySend(group, 'a reply', { replyToId: gone.id }))).toBe('BAD_USER_INPUT');
    expect((await chatAs(stack, owner).conversation(elsewhere)).data?.conversation?.lastSeq).toBe(0);
    expect((await chatAs(stack, owner).conversation(group)).data?.conversation?.lastSeq).toBe(2);
  });

  it('still resolves replyTo once the replied message is deleted: a tombstone with text null', async () => {
    const { author, other, group, message } = await groupWithMessage('soon gone');
    const reply = await chatAs(stack, other).send(group, 'noted', { replyToId: message.id });
    await chatAs(stack, author).call(DeleteMessageViewDocument, { id: message.id });
    const after = (await chatAs(stack, other).message(reply.id)).data?.message;
    expect(after?.replyTo).toMatchObject({ id: message.id, seq: 1, text: null });
    expect(after?.replyTo?.deletedAt).toEqual(expect.any(String));
  });
});

describe('mentions', () => {
  it('stores members named with @username: case-insensitive, once each, in order, ignoring emails and unregistered words', async () => {
    const { owner, author, other, group } = await groupWithMessage();
    const text = `@${other.username.toUpperCase()} and @${owner.username}, see ${author.username}@example.com; cc @${other.username}. meet @home_office`;
    const sent = await chatAs(stack, author).send(group, text);
    expect(sent.mentions).toEqual([
      { id: other.id, username: other.username },
      { id: owner.id, username: owner.username },
    ]);
    expect(sent.text).toBe(text);
  });

  it('refuses mentioning a registered user who is not a member with BAD_USER_INPUT naming them, and stores nothing', async () => {
    const { author, group } = await groupWithMessage();
    const [outsider] = await people('outsider');
    const response = await chatAs(stack, author).trySend(group, `hey @${outsider.username}, look`);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toContain(`@${outsider.username} is not in this conversation`);
    expect((await chatAs(stack, author).conversation(group)).data?.conversation?.lastSeq).toBe(1);
  });

  it('reads mentions again on edit', async () => {
    const { owner, author, other, group } = await groupWithMessage();
    const sent = await chatAs(stack, author).send(group, `ping @${owner.username}`);
    const edited = await chatAs(stack, author).call(EditMessageViewDocument, { id: sent.id, text: `ping @${other.username} instead` });
    expect(edited.data?.editMessage.mentions).toEqual([{ id: other.id, username: other.username }]);

    const [outsider] = await people('outsider');
    const refused = await chatAs(stack, author).call(EditMessageViewDocument, { id: sent.id, text: `actually @${outsider.username}` });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect((await chatAs(stack, author).message(sent.id)).data?.message).toMatchObject({
      text: `ping @${other.username} instead`,
      mentions: [{ id: other.id, username: other.username }],
    });
  });
});

describe('editing', () => {
  it('lets the sender change the text: editedAt set, seq and createdAt kept', async () => {
    const { author, group, message } = await groupWithMessage('helo');
    expect(message.editedAt).toBeNull();
    const edited = await chatAs(stack, author).call(EditMessageViewDocument, { id: message.id, text: '  hello  ' });
    expect(edited.errors).toBeUndefined();
    expect(edited.data?.editMessage).toMatchObject({
      id: message.id,
      seq: 1,
      text: 'hello',
      createdAt: message.createdAt,
      conversationId: group,
    });
    expect(Date.parse(edited.data!.editMessage.editedAt!)).toBeGreaterThanOrEqual(Date.parse(message.createdAt));
  });

  it('refuses editing someone else’s message with FORBIDDEN, even for an OWNER, and changes nothing', async () => {
    const { owner, author, other, message } = await groupWithMessage('mine');
    expect(errorCode(await chatAs(stack, other).call(EditMessageViewDocument, { id: message.id, text: 'hijacked' }))).toBe('FORBIDDEN');
    expect(errorCode(await chatAs(stack, owner).call(EditMessageViewDocument, { id: message.id, text: 'moderated' }))).toBe('FORBIDDEN');
    expect((await chatAs(stack, author).message(message.id)).data?.message).toMatchObject({ text: 'mine', editedAt: null });
  });

  it('refuses editing a deleted message, empty text and text over 10,000 characters with BAD_USER_INPUT', async () => {
    const { author, group, message } = await groupWithMessage('keep me');
    for (const text of ['', '   ', 'x'.repeat(10_001)]) {
      expect(errorCode(await chatAs(stack, author).call(EditMessageViewDocument, { id: message.id, text }))).toBe('BAD_USER_INPUT');
    }
    expect((await chatAs(stack, author).message(message.id)).data?.message).toMatchObject({ text: 'keep me', editedAt: null });

    const doomed = await chatAs(stack, author).send(group, 'doomed');
    await chatAs(stack, author).call(DeleteMessageViewDocument, { id: doomed.id });
    const response = await chatAs(stack, author).call(EditMessageViewDocument, { id: doomed.id, text: 'revived' });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/deleted/);
    expect((await chatAs(stack, author).message(doomed.id)).data?.message?.text).toBeNull();
  });

  it('refuses a non-member with FORBIDDEN', async () => {
    const { message } = await groupWithMessage();
    const [stranger] = await people('stranger');
    expect(errorCode(await chatAs(stack, stranger).call(EditMessageViewDocument, { id: message.id, text: 'hi' }))).toBe('FORBIDDEN');
  });
});

describe('deleting for everyone', () => {
  it('leaves a tombstone: text, mentions and reactions gone, deletedAt set, seq kept; deleting again returns it unchanged', async () => {
    const { owner, author, other, group } = await groupWithMessage();
    const message = await chatAs(stack, author).send(group, `secret for @${other.username}`);
    await chatAs(stack, other).call(AddReactionViewDocument, { id: message.id, emoji: '👍' });

    const deleted = await chatAs(stack, author).call(DeleteMessageByDefaultDocument, { id: message.id });
    expect(deleted.errors).toBeUndefined();
    const tombstone = deleted.data!.deleteMessage;
    expect(tombstone).toMatchObject({ id: message.id, seq: 2, text: null, mentions: [], reactions: [], sender: { id: author.id } });
    expect(tombstone.deletedAt).toEqual(expect.any(String));

    const again = await chatAs(stack, author).call(DeleteMessageByDefaultDocument, { id: message.id });
    expect(again.data?.deleteMessage).toEqual(tombstone);
    const seen = await chatAs(stack, owner).call(MessagesSinceViewDocument, { c: group });
    expect(seen.data?.messagesSince.map((m) => [m.seq, m.text])).toEqual([
      [1, 'the original text'],
      [2, null],
    ]);
  });

  it('refuses a plain MEMBER deleting someone else’s message with FORBIDDEN and lets an ADMIN do it', async () => {
    const { owner, author, other, group, message } = await groupWithMessage('moderate me');
    const refused = await chatAs(stack, other).call(DeleteMessageViewDocument, { id: message.id, forEveryone: true });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect((await chatAs(stack, author).message(message.id)).data?.message?.text).toBe('moderate me');

    await chatAs(stack, owner).call(SetMemberRoleDocument, { c: group, u: other.id, r: 'ADMIN' });
    const byAdmin = await chatAs(stack, other).call(DeleteMessageViewDocument, { id: message.id, forEveryone: true });
    expect(byAdmin.errors).toBeUndefined();
    expect(byAdmin.data?.deleteMessage.text).toBeNull();
  });

  it('lets only the sender delete for everyone in a DIRECT conversation', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const direct = await chatAs(stack, alice).create('DIRECT', [bob]);
    const message = await chatAs(stack, alice).send(direct, 'between us');
    expect(errorCode(await chatAs(stack, bob).call(DeleteMessageByDefaultDocument, { id: message.id }))).toBe('FORBIDDEN');
    expect((await chatAs(stack, alice).call(DeleteMessageByDefaultDocument, { id: message.id })).data?.deleteMessage.text).toBeNull();
  });
});

describe('hiding for oneself', () => {
  it('takes the message out of the viewer’s pages, lastMessage and search, keeps it in messagesSince, and leaves others unaffected', async () => {
    const { author, other, group } = await groupWithMessage('first words');
    const hidden = await chatAs(stack, author).send(group, 'embarrassing pineapple');
    const asOther = chatAs(stack, other);

    const response = await asOther.call(DeleteMessageViewDocument, { id: hidden.id, forEveryone: false });
    expect(response.errors).toBeUndefined();
    expect(response.data?.deleteMessage).toMatchObject({
      id: hidden.id,
      text: 'embarrassing pineapple',
      deletedAt: null,
      hiddenForMe: true,
    });
    expect((await asOther.call(DeleteMessageViewDocument, { id: hidden.id, forEveryone: false })).errors).toBeUndefined();

    const page = (await asOther.call(ConversationTextsDocument, { id: group })).data!.conversation!;
    expect(page.messages.edges.map((e) => e.node.text)).toEqual(['first words']);
    expect(page.lastMessage?.text).toBe('first words');
    expect((await asOther.call(SearchMessageIdsDocument, { query: 'pineapple' })).data?.searchMessages).toEqual([]);
    const since = (await asOther.call(MessagesSinceViewDocument, { c: group })).data!.messagesSince;
    expect(since.map((m) => [m.seq, m.hiddenForMe])).toEqual([
      [1, false],
      [2, true],
    ]);

    const asAuthor = chatAs(stack, author);
    const authorPage = (await asAuthor.call(ConversationTextsDocument, { id: group })).data!.conversation!;
    expect(authorPage.messages.edges).toHaveLength(2);
    expect(authorPage.lastMessage?.text).toBe('embarrassing pineapple');
    expect((await asAuthor.call(SearchMessageIdsDocument, { query: 'pineapple' })).data?.searchMessages).toEqual([{ id: hidden.id }]);
  });
});

describe('reactions', () => {
  it('groups reactions by emoji in order of first use, with count, reactedByMe and users', async () => {
    const { owner, author, other, message } = await groupWithMessage();
    await chatAs(stack, other).call(AddReactionViewDocument, { id: message.id, emoji: '🎉' });
    await chatAs(stack, owner).call(AddReactionViewDocument, { id: message.id, emoji: '👍' });
    await chatAs(stack, author).call(AddReactionViewDocument, { id: message.id, emoji: '🎉' });
    const asOther = await chatAs(stack, other).call(AddReactionViewDocument, { id: message.id, emoji: '🎉' });

    expect(asOther.data?.addReaction.reactions).toEqual([
      { emoji: '🎉', count: 2, reactedByMe: true, users: [{ id: other.id }, { id: author.id }] },
      { emoji: '👍', count: 1, reactedByMe: false, users: [{ id: owner.id }] },
    ]);
    const asOwner = (await chatAs(stack, owner).message(message.id)).data?.message?.reactions;
    expect(asOwner?.map((r) => [r.emoji, r.reactedByMe])).toEqual([
      ['🎉', false],
      ['👍', true],
    ]);
  });

  it('treats adding a reaction twice and removing a missing one as no-ops', async () => {
    const { author, message } = await groupWithMessage();
    const chat = chatAs(stack, author);
    await chat.call(AddReactionViewDocument, { id: message.id, emoji: '❤️' });
    const twice = await chat.call(AddReactionViewDocument, { id: message.id, emoji: '❤' });
    expect(twice.data?.addReaction.reactions).toEqual([{ emoji: '❤️', count: 1, reactedByMe: true, users: [{ id: author.id }] }]);

    const missing = await chat.call(RemoveReactionViewDocument, { id: message.id, emoji: '🙈' });
    expect(missing.errors).toBeUndefined();
    expect(missing.data?.removeReaction.reactions).toHaveLength(1);
    const removed = await chat.call(RemoveReactionViewDocument, { id: message.id, emoji: '❤️' });
    expect(removed.data?.removeReaction.reactions).toEqual([]);
  });

  it.each([
    ['a flag', '🇺🇦'],
    ['a keycap', '1️⃣'],
    ['a skin tone', '👍🏽'],
    ['a ZWJ family', '👨‍👩‍👧‍👦'],
    ['a rainbow flag', '🏳️‍🌈'],
    ['a subdivision flag', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a 35-byte kiss with two skin tones', '🧑🏻‍❤️‍💋‍🧑🏼'],
  ])('accepts %s', async (_case, emoji) => {
    const { author, message } = await groupWithMessage();
    const response = await chatAs(stack, author).call(AddReactionViewDocument, { id: message.id, emoji });
    expect(response.errors).toBeUndefined();
    expect(response.data?.addReaction.reactions).toEqual([{ emoji, count: 1, reactedByMe: true, users: [{ id: author.id }] }]);
  });

  describe('refusals', () => {
    let author: TestUser;
    let message: MessageView;

    beforeAll(async () => {
      ({ author, message } = await groupWithMessage());
    });

    it.each([
      ['an empty string', ''],
      ['a letter', 'a'],
      ['a digit', '1'],
      ['two emoji', '👍👍'],
      ['a shortcode', ':+1:'],
      ['an emoji with a space', '👍 '],
      ['an emoji followed by text', '👍a'],
      ['a lone regional indicator', '🇺'],
      ['a lone skin tone', '🏻'],
      ['markup', '<b>'],
      ['a long string', 'x'.repeat(100)],
    ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_case, emoji) => {
      const response = await chatAs(stack, author).call(AddReactionViewDocument, { id: message.id, emoji });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe('emoji');
      expect((await chatAs(stack, author).message(message.id)).data?.message?.reactions).toEqual([]);
    });
  });

  it('refuses a 21st different emoji with BAD_USER_INPUT but still takes more of one already there', async () => {
    const { owner, author, message } = await groupWithMessage();
    const twenty = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂'];
    expect(twenty).toHaveLength(20);
    for (const emoji of twenty) {
      expect((await chatAs(stack, author).call(AddReactionViewDocument, { id: message.id, emoji })).errors).toBeUndefined();
    }
    const refused = await chatAs(stack, owner).call(AddReactionViewDocument, { id: message.id, emoji: '🤗' });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    const more = await chatAs(stack, owner).call(AddReactionViewDocument, { id: message.id, emoji: '😀' });
    expect(more.data?.addReaction.reactions).toHaveLength(20);
    expect(more.data?.addReaction.reactions[0]).toMatchObject({ emoji: '😀', count: 2 });
  });

  it('refuses reacting to a deleted message with BAD_USER_INPUT', async () => {
    const { author, other, message } = await groupWithMessage();
    await chatAs(stack, author).call(DeleteMessageByDefaultDocument, { id: message.id });
    const response = await chatAs(stack, other).call(AddReactionViewDocument, { id: message.id, emoji: '👍' });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect((await chatAs(stack, other).message(message.id)).data?.message?.reactions).toEqual([]);
  });

  it('refuses a non-member with FORBIDDEN', async () => {
    const { message } = await groupWithMessage();
    const [stranger] = await people('stranger');
    expect(errorCode(await chatAs(stack, stranger).call(AddReactionViewDocument, { id: message.id, emoji: '👍' }))).toBe('FORBIDDEN');
  });
});

describe('messageUpdated', () => {
  it('delivers edits, reaction changes and deletions live, with reactedByMe as each subscriber sees it', async () => {
    const { author, other, group, message } = await groupWithMessage('live text');
    const authorSocket = wsClient(stack.wsUrl, author.accessToken);
    const otherSocket = wsClient(stack.wsUrl, other.accessToken);
    const toAuthor = subscribe(authorSocket, MessageUpdatedReactionsDocument, { c: group });
    const toOther = subscribe(otherSocket, MessageUpdatedReactionsDocument);
    await Promise.all([stack.waitForSubscribers(author.id, 1, 'messageUpdated'), stack.waitForSubscribers(other.id, 1, 'messageUpdated')]);

    await chatAs(stack, author).call(EditMessageViewDocument, { id: message.id, text: 'live text, edited' });
    for (const live of [toAuthor, toOther]) {
      const event = (await live.next()).data?.messageUpdated;
      expect(event).toMatchObject({ id: message.id, seq: 1, text: 'live text, edited', deletedAt: null, reactions: [] });
      expect(event?.editedAt).toEqual(expect.any(String));
    }

    await chatAs(stack, other).call(AddReactionViewDocument, { id: message.id, emoji: '🔥' });
    expect((await toAuthor.next()).data?.messageUpdated.reactions).toEqual([
      { emoji: '🔥', count: 1, reactedByMe: false, users: [{ username: other.username }] },
    ]);
    expect((await toOther.next()).data?.messageUpdated.reactions).toEqual([
      { emoji: '🔥', count: 1, reactedByMe: true, users: [{ username: other.username }] },
    ]);

    await chatAs(stack, other).call(RemoveReactionViewDocument, { id: message.id, emoji: '🔥' });
    expect((await toAuthor.next()).data?.messageUpdated.reactions).toEqual([]);
    expect((await toOther.next()).data?.messageUpdated.reactions).toEqual([]);

    await chatAs(stack, author).call(DeleteMessageByDefaultDocument, { id: message.id });
    for (const live of [toAuthor, toOther]) {
      const event = (await live.next()).data?.messageUpdated;
      expect(event).toMatchObject({ id: message.id, seq: 1, text: null });
      expect(event?.deletedAt).toEqual(expect.any(String));
    }

    await Promise.all([toAuthor.close(), toOther.close()]);
    await Promise.all([authorSocket.dispose(), otherSocket.dispose()]);
  });

  it('sends nothing for a change that changes nothing, nor for a message the subscriber hid', async () => {
    const { author, other, group, message } = await groupWithMessage();
    const socket = wsClient(stack.wsUrl, other.accessToken);
    const live = subscribe(socket, MessageUpdatedReactionsDocument, { c: group });
    await stack.waitForSubscribers(other.id, 1, 'messageUpdated');

    await chatAs(stack, author).call(RemoveReactionViewDocument, { id: message.id, emoji: '👍' });
    const hidden = await chatAs(stack, author).send(group, 'hidden from other');
    await chatAs(stack, other).call(DeleteMessageViewDocument, { id: hidden.id, forEveryone: false });
    await chatAs(stack, author).call(EditMessageViewDocument, { id: hidden.id, text: 'hidden from other, edited' });
    await chatAs(stack, author).call(EditMessageViewDocument, { id: message.id, text: 'the one that counts' });

    expect((await live.next()).data?.messageUpdated).toMatchObject({ id: message.id, text: 'the one that counts' });
    await live.close();
    await socket.dispose();
  });

  it('refuses a subscription to a conversation the viewer is not in with FORBIDDEN', async () => {
    const { group } = await groupWithMessage();
    const [stranger] = await people('stranger');
    const socket = wsClient(stack.wsUrl, stranger.accessToken);
    const live = subscribe(socket, MessageUpdatedReactionsDocument, { c: group });
    expect((await live.next()).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await live.completed;
    await socket.dispose();
  });
});
