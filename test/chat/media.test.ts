import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaStates } from '../media/media-states.js';
import { chatAs } from '../support/chat.js';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  errorCode as routerErrorCode,
  graphql,
  registerUser,
  type GraphQLResponse,
  type TestUser as RouterUser,
} from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';
import {
  AttachmentStatusesDocument,
  DeleteMessageMediaDocument,
  DeleteStoryDocument,
  PostStoryDocument,
  SendMessageMediaDocument,
  StoryThumbnailsDocument,
  type SendMessageInput,
  type SendMessageMediaMutation,
  type StoryThumbnailsQuery,
} from '../support/generated/graphql.js';
import * as subgraph from '../support/generated/chat-subgraph.js';
import { errorCode, startChatFixture, type ChatFixture, type TestUser } from './chat-fixture.js';

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

interface MediaJob {
  id: string;
  data: { mediaIds: string[]; reason: string };
}

async function group(chat: ChatFixture, owner: TestUser, ...others: TestUser[]): Promise<string> {
  const result = await chat.request(owner, subgraph.CreateConversationDocument, {
    input: { kind: 'GROUP', memberIds: others.map((u) => u.id) },
  });
  return result.data!.createConversation.id;
}

function send(chat: ChatFixture, as: TestUser, input: Omit<subgraph.SendMessageInput, 'clientId'>) {
  return chat.request(as, subgraph.SendMessageMediaDocument, { input: { clientId: randomUUID(), ...input } });
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

    const deleted = await chat.request(alice, subgraph.DeleteMessageMediaDocument, {
      id: sent.data!.sendMessage.id,
    });

    expect(sent.data!.sendMessage.mediaIds).toEqual([]);
    expect(deleted.data!.deleteMessage).toMatchObject({ mediaIds: [], deletedAt: expect.any(String) });
    expect(await mediaJobs(chat)).toEqual([]);
  });

  it('refuses a story file with BAD_USER_INPUT, still posts text stories and deletes them without a media job', async () => {
    const { alice } = chat.users;

    const refused = await chat.request(alice, subgraph.PostStoryDocument, { mediaId: randomUUID() });
    const empty = await chat.request(alice, subgraph.PostStoryDocument, {});
    const posted = await chat.request(alice, subgraph.PostStoryDocument, { text: 'hi' });
    const deleted = await chat.request(alice, subgraph.DeleteStoryDocument, { id: posted.data!.postStory.id });

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

describe('chat with the real media subgraph, through the router', () => {
  let stack: Stack;
  let media: Awaited<ReturnType<typeof mediaStates>>;
  let alice: RouterUser;
  let bob: RouterUser;
  /** Shares no conversation with Alice or Bob. */
  let carol: RouterUser;

  beforeAll(async () => {
    stack = await startStack();
    media = await mediaStates(stack);
    [alice, bob, carol] = await Promise.all([
      registerUser(stack.url, 'alice'),
      registerUser(stack.url, 'bob'),
      registerUser(stack.url, 'carol'),
    ]);
  });
  afterAll(async () => {
    await media?.remove();
    await stack?.close();
  });

  const call = <T, V>(as: RouterUser, document: TypedDocumentNode<T, V>, variables: NoInfer<V>) =>
    graphql(stack.url, document, variables, as.accessToken);
  const sendAs = (as: RouterUser, input: Omit<SendMessageInput, 'clientId'> & { clientId?: string }) =>
    call(as, SendMessageMediaDocument, { input: { clientId: randomUUID(), ...input } });
  const groupOf = (owner: RouterUser, ...others: RouterUser[]) => chatAs(stack, owner).create('GROUP', others);
  const jobsFor = (id: string) =>
    stack.sql<MediaJob>(`select id::text, data from pgboss.job where name = 'media-delete' and id::text = $1`, [id]);
  const filesOf = async (ids: readonly string[]) => (await Promise.all(ids.map((id) => media.storedFiles(id)))).flat();
  /** `_entities` on one subgraph as the router calls it: router secret plus the user's token. */
  const entitiesOn = <T>(url: string, as: RouterUser, query: string, r: unknown[]) =>
    graphql<T>(url, query, { r }, as.accessToken, { 'x-chirpchat-router-secret': stack.routerSecret });

  it('stores the files in order, with or without text, asking media as the sender; a retry returns the first message', async () => {
    const conversationId = await groupOf(alice, bob);
    const files = [
      await media.readyImage(alice, conversationId),
      await media.imageIn(alice, conversationId, { status: 'PROCESSING', kind: 'VIDEO' }),
    ];
    const clientId = randomUUID();

    const first = await sendAs(alice, { conversationId, clientId, mediaIds: files });
    const retry = await sendAs(alice, { conversationId, clientId, mediaIds: files });
    const captioned = await sendAs(alice, { conversationId, text: 'caption', mediaIds: [await media.readyImage(alice, conversationId)] });
    const asBob = await call(bob, AttachmentStatusesDocument, { id: first.data!.sendMessage.id });

    expect(first.errors).toBeUndefined();
    expect(first.data!.sendMessage).toMatchObject({ seq: 1, text: null, mediaIds: files });
    expect(retry.data).toEqual(first.data);
    expect(captioned.errors).toBeUndefined();
    expect(captioned.data!.sendMessage).toMatchObject({ seq: 2, text: 'caption' });
    expect(asBob.data!.message!.attachments).toEqual([
      { id: files[0], kind: 'IMAGE', status: 'READY' },
      { id: files[1], kind: 'VIDEO', status: 'PROCESSING' },
    ]);
    // Media answers nobody but a signed-in viewer: chat could only have accepted the files by asking as Alice.
    expect(await Promise.all(files.map((id) => media.anonymousLookup(id)))).toEqual([null, null]);
    const [event] = await stack.sql<{ data: { text: string } }>(
      `select data from pgboss.job where name = 'message-sent' and id::text = $1`,
      [first.data!.sendMessage.id],
    );
    expect(event!.data.text).toBe('📎 Attachment');
  });

  it('refuses files that are unknown, someone else’s, for another place, unfinished, failed, too many or repeated', async () => {
    const conversationId = await groupOf(alice, bob);
    const other = await groupOf(alice, bob);
    const ready = await media.readyImage(alice, conversationId);
    // One after another: a burst of parallel uploads holds many database connections, and other test files run alongside.
    const othersFile = await media.image(bob, conversationId);
    const otherConversation = await media.image(alice, other);
    const noConversation = await media.image(alice, null);
    const uploading = await media.uploading(alice, conversationId);
    const failed = await media.imageIn(alice, conversationId, { status: 'FAILED' });
    const eleven: string[] = [];
    for (let i = 0; i < 11; i++) eleven.push(await media.image(alice, conversationId));

    const cases = {
      unknown: [randomUUID()],
      othersFile: [othersFile],
      otherConversation: [otherConversation],
      noConversation: [noConversation],
      uploading: [uploading],
      failed: [failed],
      eleven,
      repeated: [ready, ready],
    };
    const results: Array<GraphQLResponse<SendMessageMediaMutation>> = [];
    for (const mediaIds of Object.values(cases)) results.push(await sendAs(alice, { conversationId, text: 'x', mediaIds }));

    expect(results.map((r) => [routerErrorCode(r), r.errors?.[0]?.extensions?.field])).toEqual(
      results.map(() => ['BAD_USER_INPUT', 'mediaIds']),
    );
    expect(Object.fromEntries(Object.keys(cases).map((name, index) => [name, results[index]!.errors![0]!.message]))).toEqual({
      unknown: expect.stringMatching(/no file of yours/),
      othersFile: expect.stringMatching(/no file of yours/),
      otherConversation: expect.stringMatching(/uploaded for another place/),
      noConversation: expect.stringMatching(/uploaded for another place/),
      uploading: expect.stringMatching(/has not finished uploading/),
      failed: expect.stringMatching(/could not be processed/),
      eleven: expect.stringMatching(/at most 10/),
      repeated: expect.stringMatching(/each file once/),
    });
    expect(await stack.sql('select id from chat.message where conversation_id = $1', [conversationId])).toEqual([]);
  });

  it('refuses with CONFLICT a file already attached to another message, even a concurrent one', async () => {
    const conversationId = await groupOf(alice, bob);
    const file = await media.readyImage(alice, conversationId);

    const results = await Promise.all(Array.from({ length: 4 }, () => sendAs(alice, { conversationId, mediaIds: [file] })));

    expect(results.map((r) => routerErrorCode(r) ?? null).sort()).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', null]);
    expect(await stack.sql('select seq from chat.message where conversation_id = $1', [conversationId])).toEqual([{ seq: 1 }]);
  });

  it('deletes the files when a message is deleted for everyone, and not when it is hidden', async () => {
    const conversationId = await groupOf(alice, bob);
    const files = [await media.readyImage(alice, conversationId), await media.readyImage(alice, conversationId)];
    const sent = await sendAs(alice, { conversationId, mediaIds: files });
    const id = sent.data!.sendMessage.id;
    const filesBefore = await filesOf(files);

    const hidden = await call(bob, DeleteMessageMediaDocument, { id, forEveryone: false });
    const jobsAfterHiding = await jobsFor(id);
    const filesAfterHiding = await filesOf(files);
    const rowsAfterHiding = await media.rows(files);
    const deleted = await call(alice, DeleteMessageMediaDocument, { id });
    const again = await call(alice, DeleteMessageMediaDocument, { id });

    expect([hidden.errors, deleted.errors, again.errors]).toEqual([undefined, undefined, undefined]);
    expect(filesBefore.length).toBeGreaterThan(0);
    expect(jobsAfterHiding).toEqual([]);
    expect(filesAfterHiding).toEqual(filesBefore);
    expect(rowsAfterHiding).toEqual([...files].sort());
    expect(deleted.data!.deleteMessage.mediaIds).toEqual([]);
    expect(await jobsFor(id)).toEqual([{ id, data: { mediaIds: files, reason: `message:${id}` } }]);
    await expect.poll(() => media.rows(files), { timeout: 30_000 }).toEqual([]);
    await expect.poll(() => filesOf(files), { timeout: 30_000 }).toEqual([]);
  });

  it('posts a story with a file uploaded without a conversation, shows it to contacts only, and deletes the file with the story', async () => {
    const conversationId = await groupOf(alice, bob);
    const file = await media.readyImage(alice, null);

    const refused = await call(alice, PostStoryDocument, { mediaId: await media.image(alice, conversationId) });
    const posted = await call(alice, PostStoryDocument, { mediaId: file });
    const reused = await call(alice, PostStoryDocument, { text: 'again', mediaId: file });
    const id = posted.data!.postStory.id;
    const [asContact, asStranger] = await Promise.all(
      [bob, carol].map((viewer) =>
        entitiesOn<{ _entities: Array<{ id: string; mediaId: string } | null> }>(stack.chatUrl, viewer, STORY_ENTITIES, [
          { __typename: 'Story', id },
        ]),
      ),
    );
    const filesBefore = await media.storedFiles(file);
    const deleted = await call(alice, DeleteStoryDocument, { id });

    expect([routerErrorCode(refused), routerErrorCode(reused)]).toEqual(['BAD_USER_INPUT', 'CONFLICT']);
    expect(asContact!.data!._entities).toEqual([{ id, mediaId: file }]);
    expect(asStranger!.data!._entities).toEqual([null]);
    expect(posted.data!.postStory).toEqual({ id, text: null, mediaId: file });
    expect(deleted.data).toEqual({ deleteStory: true });
    expect(filesBefore.length).toBeGreaterThan(0);
    expect(await jobsFor(id)).toEqual([{ id, data: { mediaIds: [file], reason: `story:${id}` } }]);
    await expect.poll(() => media.rows([file]), { timeout: 30_000 }).toEqual([]);
    await expect.poll(() => media.storedFiles(file), { timeout: 30_000 }).toEqual([]);
  });

  it('shows a story’s picture to people who share a conversation with its author, with a thumbnail that loads, and to no one else', async () => {
    await groupOf(alice, bob);
    const file = await media.image(alice, null);
    const posted = await call(alice, PostStoryDocument, { text: 'sunset', mediaId: file });
    const id = posted.data!.postStory.id;
    type Seen = StoryThumbnailsQuery['stories'][number];

    let bobsStory: Seen | undefined;
    await expect
      .poll(
        async () => {
          const response = await call(bob, StoryThumbnailsDocument, {});
          expect(response.errors).toBeUndefined();
          bobsStory = response.data!.stories.find((story) => story.id === id);
          return bobsStory?.media?.status;
        },
        { timeout: 30_000 },
      )
      .toBe('READY');
    const thumbnail = await fetch(new URL(bobsStory!.media!.variants.thumbnail!, stack.origin));
    const carolsStories = await call(carol, StoryThumbnailsDocument, {});
    const STORY_MEDIA = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Story { id media { id } } } }`;
    const representation = [{ __typename: 'Story', id, mediaId: file }];
    const [mediaForBob, mediaForCarol] = await Promise.all(
      [bob, carol].map((viewer) => entitiesOn<{ _entities: unknown[] }>(stack.mediaUrl, viewer, STORY_MEDIA, representation)),
    );

    expect(posted.errors).toBeUndefined();
    expect(bobsStory).toMatchObject({ mediaId: file, media: { id: file } });
    expect(new URL(thumbnail.url).origin).toBe(stack.origin);
    expect(thumbnail.status).toBe(200);
    expect(await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).toMatchObject({ format: 'jpeg', width: 250, height: 250 });
    expect(carolsStories.errors).toBeUndefined();
    expect(carolsStories.data!.stories.map((story) => story.id)).not.toContain(id);
    expect(mediaForBob!.data!._entities).toEqual([{ id, media: { id: file } }]);
    expect(mediaForCarol!.errors).toBeUndefined();
    expect(mediaForCarol!.data!._entities).toEqual([{ id, media: null }]);
  });
});
