import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startChatFixture, type ChatFixture, type TestUser } from './chat-fixture.js';
import { FakeMediaSubgraph } from './fake-media.js';
import { CREATE_CONVERSATION, type ConversationShape } from './operations.js';

const SEND = /* GraphQL */ `
  mutation ($input: SendMessageInput!) {
    sendMessage(input: $input) {
      id
      seq
      text
      mediaIds
    }
  }
`;
const DELETE = `mutation($id: ID!, $forEveryone: Boolean) { deleteMessage(id: $id, forEveryone: $forEveryone) { id text mediaIds deletedAt } }`;
const POST_STORY = `mutation($text: String, $mediaId: ID) { postStory(text: $text, mediaId: $mediaId) { id text mediaId } }`;
const DELETE_STORY = `mutation($id: ID!) { deleteStory(id: $id) }`;
const STORY_ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Story { id mediaId } } }`;
const SHARES = /* GraphQL */ `
  query ($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on User {
        id
        sharesConversationWithMe
      }
    }
  }
`;

type Sent = { sendMessage: { id: string; seq: number; text: string | null; mediaIds: string[] } };

interface MediaJob {
  id: string;
  data: { mediaIds: string[]; reason: string };
}

async function group(chat: ChatFixture, owner: TestUser, ...others: TestUser[]): Promise<string> {
  const result = await chat.request<{ createConversation: ConversationShape }>(owner, CREATE_CONVERSATION, {
    input: { kind: 'GROUP', memberIds: others.map((u) => u.id) },
  });
  return result.data!.createConversation.id;
}

function send(chat: ChatFixture, as: TestUser, input: Record<string, unknown>) {
  return chat.request<Sent>(as, SEND, { input: { clientId: randomUUID(), ...input } });
}

function mediaJobs(chat: ChatFixture): Promise<MediaJob[]> {
  return chat.sql<MediaJob>(`select id::text, data from pgboss.job where name = 'media-delete' order by created_on`);
}

describe('chat subgraph without a media subgraph', () => {
  let chat: ChatFixture;

  beforeAll(async () => {
    chat = await startChatFixture();
  });
  afterAll(async () => {
    await chat?.close();
  });

  it('refuses mediaIds with BAD_USER_INPUT and stores nothing', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);

    const withText = await send(chat, alice, { conversationId, text: 'look', mediaIds: [randomUUID()] });
    const withoutText = await send(chat, alice, { conversationId, mediaIds: [randomUUID()] });

    expect([withText, withoutText].map(errorCode)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(withText.errors![0]).toMatchObject({
      message: 'Attachments are not available on this server.',
      extensions: { field: 'mediaIds' },
    });
    expect(await chat.sql('select id from chat.message where conversation_id = $1', [conversationId])).toEqual([]);
    expect(await chat.sql('select last_seq from chat.conversation where id = $1', [conversationId])).toEqual([{ last_seq: 0 }]);
  });

  it('still requires text when no files are attached', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);

    const results = [await send(chat, alice, { conversationId, mediaIds: [] }), await send(chat, alice, { conversationId, text: '  ' })];

    expect(results.map((r) => [errorCode(r), r.errors?.[0]?.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'text'],
      ['BAD_USER_INPUT', 'text'],
    ]);
  });

  it('sends text messages with mediaIds [] and enqueues no media deletion when one is deleted for everyone', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);
    const sent = await send(chat, alice, { conversationId, text: 'plain' });

    const deleted = await chat.request<{ deleteMessage: { mediaIds: string[]; deletedAt: string | null } }>(alice, DELETE, {
      id: sent.data!.sendMessage.id,
    });

    expect(sent.data!.sendMessage.mediaIds).toEqual([]);
    expect(deleted.data!.deleteMessage).toMatchObject({ mediaIds: [], deletedAt: expect.any(String) });
    expect(await mediaJobs(chat)).toEqual([]);
  });

  it('refuses a story file with BAD_USER_INPUT, still posts text stories and deletes them without a media job', async () => {
    const { alice } = chat.users;

    const refused = await chat.request(alice, POST_STORY, { mediaId: randomUUID() });
    const empty = await chat.request(alice, POST_STORY, {});
    const posted = await chat.request<{ postStory: { id: string; mediaId: string | null } }>(alice, POST_STORY, { text: 'hi' });
    const deleted = await chat.request(alice, DELETE_STORY, { id: posted.data!.postStory.id });

    expect([errorCode(refused), errorCode(empty)]).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(posted.data!.postStory.mediaId).toBeNull();
    expect(deleted.data).toEqual({ deleteStory: true });
    expect(await mediaJobs(chat)).toEqual([]);
  });

  it('answers sharesConversationWithMe for user references: members of a shared conversation and the viewer themself', async () => {
    const { alice, bob, carol, dave } = chat.users;
    await group(chat, alice, bob);
    await group(chat, carol, dave);
    const stranger = randomUUID();

    const result = await chat.request<{ _entities: Array<{ id: string; sharesConversationWithMe: boolean }> }>(alice, SHARES, {
      r: [alice, bob, carol, dave].map((u) => ({ __typename: 'User', id: u.id })).concat({ __typename: 'User', id: stranger }),
    });

    expect(result.errors).toBeUndefined();
    expect(result.data!._entities.map((u) => u.sharesConversationWithMe)).toEqual([true, true, false, false, false]);
  });
});

describe('chat subgraph with a media subgraph (a stand-in answering _entities)', () => {
  let chat: ChatFixture;
  let media: FakeMediaSubgraph;

  beforeAll(async () => {
    media = new FakeMediaSubgraph();
    chat = await startChatFixture({ mediaUrl: await media.listen() });
  });
  afterAll(async () => {
    await chat?.close();
    await media?.close();
  });

  it('stores the files in order, with or without text, asking media as the sender; a retry returns the first message', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);
    const files = [media.add(alice.id, conversationId), media.add(alice.id, conversationId, { status: 'PROCESSING', kind: 'VIDEO' })];
    const clientId = randomUUID();

    const first = await send(chat, alice, { conversationId, clientId, mediaIds: files });
    const retry = await send(chat, alice, { conversationId, clientId, mediaIds: files });
    const captioned = await send(chat, alice, { conversationId, text: 'caption', mediaIds: [media.add(alice.id, conversationId)] });

    expect(first.errors).toBeUndefined();
    expect(first.data!.sendMessage).toMatchObject({ seq: 1, text: null, mediaIds: files });
    expect(retry.data).toEqual(first.data);
    expect(captioned.data!.sendMessage).toMatchObject({ seq: 2, text: 'caption' });
    expect(media.authorizations.at(-1)).toBe(alice.authorization);
    const [event] = await chat.sql<{ data: { text: string } }>(`select data from pgboss.job where name = 'message-sent' and id = $1`, [
      first.data!.sendMessage.id,
    ]);
    expect(event!.data.text).toBe('📎 Attachment');
  });

  it('refuses files that are unknown, someone else’s, for another place, unfinished, failed, too many or repeated', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);
    const other = await group(chat, alice, bob);
    const ready = media.add(alice.id, conversationId);

    const cases = {
      unknown: [randomUUID()],
      othersFile: [media.add(bob.id, conversationId)],
      otherConversation: [media.add(alice.id, other)],
      noConversation: [media.add(alice.id, null)],
      uploading: [media.add(alice.id, conversationId, { status: 'UPLOADING' })],
      failed: [media.add(alice.id, conversationId, { status: 'FAILED' })],
      eleven: Array.from({ length: 11 }, () => media.add(alice.id, conversationId)),
      repeated: [ready, ready],
    };
    const results = await Promise.all(Object.values(cases).map((mediaIds) => send(chat, alice, { conversationId, text: 'x', mediaIds })));

    expect(results.map((r) => [errorCode(r), r.errors?.[0]?.extensions?.field])).toEqual(results.map(() => ['BAD_USER_INPUT', 'mediaIds']));
    expect(results[4]!.errors![0]!.message).toMatch(/has not finished uploading/);
    expect(await chat.sql('select id from chat.message where conversation_id = $1', [conversationId])).toEqual([]);
  });

  it('refuses with CONFLICT a file already attached to another message, even a concurrent one', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);
    const file = media.add(alice.id, conversationId);

    const results = await Promise.all(Array.from({ length: 4 }, () => send(chat, alice, { conversationId, mediaIds: [file] })));

    expect(results.map(errorCode).sort()).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', null]);
    expect(await chat.sql('select seq from chat.message where conversation_id = $1', [conversationId])).toEqual([{ seq: 1 }]);
  });

  it('enqueues the files’ deletion when a message is deleted for everyone, and not when it is hidden', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);
    const files = [media.add(alice.id, conversationId), media.add(alice.id, conversationId)];
    const { id } = (await send(chat, alice, { conversationId, mediaIds: files })).data!.sendMessage;
    const before = (await mediaJobs(chat)).length;

    const hidden = await chat.request(bob, DELETE, { id, forEveryone: false });
    const afterHiding = (await mediaJobs(chat)).length;
    const deleted = await chat.request<{ deleteMessage: { mediaIds: string[] } }>(alice, DELETE, { id });
    const again = await chat.request(alice, DELETE, { id });

    expect([hidden.errors, deleted.errors, again.errors]).toEqual([undefined, undefined, undefined]);
    expect(afterHiding).toBe(before);
    expect(deleted.data!.deleteMessage.mediaIds).toEqual([]);
    expect((await mediaJobs(chat)).filter((job) => job.id === id)).toEqual([{ id, data: { mediaIds: files, reason: `message:${id}` } }]);
  });

  it('posts a story with a file uploaded without a conversation, shows it to contacts only, and enqueues its deletion with the story', async () => {
    const { alice, bob } = chat.users;
    const conversationId = await group(chat, alice, bob);
    const file = media.add(alice.id, null);

    const refused = await chat.request(alice, POST_STORY, { mediaId: media.add(alice.id, conversationId) });
    const posted = await chat.request<{ postStory: { id: string; text: string | null; mediaId: string } }>(alice, POST_STORY, {
      mediaId: file,
    });
    const reused = await chat.request(alice, POST_STORY, { text: 'again', mediaId: file });
    const id = posted.data!.postStory.id;
    const [asContact, asStranger] = await Promise.all(
      [bob, chat.users.dave].map((viewer) =>
        chat.request<{ _entities: Array<{ id: string; mediaId: string } | null> }>(viewer, STORY_ENTITIES, {
          r: [{ __typename: 'Story', id }],
        }),
      ),
    );
    await chat.request(alice, DELETE_STORY, { id });

    expect([errorCode(refused), errorCode(reused)]).toEqual(['BAD_USER_INPUT', 'CONFLICT']);
    expect(asContact!.data!._entities).toEqual([{ id, mediaId: file }]);
    expect(asStranger!.data!._entities).toEqual([null]);
    expect(posted.data!.postStory).toEqual({ id, text: null, mediaId: file });
    expect((await mediaJobs(chat)).filter((job) => job.id === id)).toEqual([{ id, data: { mediaIds: [file], reason: `story:${id}` } }]);
  });
});
