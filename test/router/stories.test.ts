import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/async.js';
import {
  CreateDirectConversationDocument,
  DeleteStoryDocument,
  MarkStoryViewedDocument,
  PostTextStoryDocument,
  StoryViewsDocument,
} from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let stack: Stack;
/** How far the chat subgraph's clock runs ahead of the real one. */
let clockOffsetMs = 0;
let alice: TestUser;
let bob: TestUser;
let mallory: TestUser;

beforeAll(async () => {
  stack = await startStack({ clock: () => new Date(Date.now() + clockOffsetMs), storyCleanupIntervalMs: 50 });
  [alice, bob, mallory] = await Promise.all([
    registerUser(stack.url, 'alice'),
    registerUser(stack.url, 'bob'),
    registerUser(stack.url, 'mallory'),
  ]);
  const created = await graphql(stack.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
  if (created.errors) throw new Error(JSON.stringify(created.errors));
});

afterAll(async () => {
  await stack?.close();
});

async function post(user: TestUser, text: string | null) {
  return graphql(stack.url, PostTextStoryDocument, { text }, user.accessToken);
}

async function posted(user: TestUser, text: string) {
  const response = await post(user, text);
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.postStory;
}

async function storiesOf(viewer: TestUser) {
  const response = await graphql(stack.url, StoryViewsDocument, {}, viewer.accessToken);
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.stories;
}

describe('stories through the router', () => {
  it('shows a story to its author and to a conversation partner, newest first, and not to a stranger', async () => {
    const response = await post(alice, '  Morning run done  ');
    const story = response.data!.postStory;
    expect(story).toMatchObject({ text: 'Morning run done', viewedByMe: false, author: { id: alice.id, displayName: alice.displayName } });
    expect(new Date(story.expiresAt).getTime() - new Date(story.createdAt).getTime()).toBe(DAY_MS);
    const later = await posted(alice, 'Coffee');

    const seenByBob = (await storiesOf(bob)).filter((s) => s.author.id === alice.id).map((s) => s.id);
    expect(seenByBob.slice(0, 2)).toEqual([later.id, story.id]);
    expect((await storiesOf(alice)).map((s) => s.id)).toEqual(expect.arrayContaining([story.id, later.id]));
    expect(await storiesOf(mallory)).toEqual([]);
  });

  it('records a view once for someone who may see the story, and refuses a stranger with NOT_FOUND', async () => {
    const story = await posted(alice, 'Seen it?');
    for (let i = 0; i < 2; i++) {
      expect(await graphql(stack.url, MarkStoryViewedDocument, { id: story.id }, bob.accessToken)).toEqual({
        data: { markStoryViewed: true },
      });
    }
    expect((await storiesOf(bob)).find((s) => s.id === story.id)?.viewedByMe).toBe(true);
    expect((await storiesOf(alice)).find((s) => s.id === story.id)?.viewedByMe).toBe(false);
    expect(await stack.sql('select user_id from chat.story_view where story_id = $1', [story.id])).toEqual([{ user_id: bob.id }]);

    const stranger = await graphql(stack.url, MarkStoryViewedDocument, { id: story.id }, mallory.accessToken);
    expect(errorCode(stranger)).toBe('NOT_FOUND');
    const unknown = await graphql(stack.url, MarkStoryViewedDocument, { id: 'not-a-story' }, bob.accessToken);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
  });

  it('lets only the author delete a story: FORBIDDEN for a partner, NOT_FOUND for a stranger', async () => {
    const story = await posted(alice, 'Delete me');
    expect(errorCode(await graphql(stack.url, DeleteStoryDocument, { id: story.id }, bob.accessToken))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(stack.url, DeleteStoryDocument, { id: story.id }, mallory.accessToken))).toBe('NOT_FOUND');
    expect((await storiesOf(bob)).map((s) => s.id)).toContain(story.id);

    expect(await graphql(stack.url, DeleteStoryDocument, { id: story.id }, alice.accessToken)).toEqual({ data: { deleteStory: true } });
    expect((await storiesOf(bob)).map((s) => s.id)).not.toContain(story.id);
    expect(errorCode(await graphql(stack.url, DeleteStoryDocument, { id: story.id }, alice.accessToken))).toBe('NOT_FOUND');
  });

  it('refuses a story without text or over 1,000 characters with BAD_USER_INPUT and stores nothing', async () => {
    const [before] = await stack.sql('select count(*)::int as count from chat.story');
    for (const text of [null, '', '   ', 'x'.repeat(1001)]) {
      const response = await post(bob, text);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe('text');
    }
    expect(await stack.sql('select count(*)::int as count from chat.story')).toEqual([before]);
    expect((await post(bob, 'y'.repeat(1000))).errors).toBeUndefined();
  });

  // Last: it moves the clock past every story posted above.
  it('hides a story once 24 hours have passed, and the cleanup job then removes it', async () => {
    const story = await posted(bob, 'Here today');
    clockOffsetMs = DAY_MS - 60_000;
    expect((await storiesOf(alice)).map((s) => s.id)).toContain(story.id);

    clockOffsetMs = DAY_MS + 1_000;
    expect((await storiesOf(alice)).map((s) => s.id)).not.toContain(story.id);
    expect((await storiesOf(bob)).map((s) => s.id)).not.toContain(story.id);
    expect(errorCode(await graphql(stack.url, MarkStoryViewedDocument, { id: story.id }, alice.accessToken))).toBe('NOT_FOUND');

    // The job runs every 50 ms in this stack; its effect shows in the database.
    await waitUntil(async () => (await stack.sql('select id from chat.story where id = $1', [story.id])).length === 0, {
      message: 'the expired story is still in chat.story 5 s later',
    });
    expect(await stack.sql('select count(*)::int as count from chat.story')).toEqual([{ count: 0 }]);
    expect(await stack.sql('select count(*)::int as count from chat.story_view')).toEqual([{ count: 0 }]);
  });
});
