import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaStates } from '../media/media-states.js';
import { chatAs } from '../support/chat.js';
import { UpdateProfileAvatarDocument, UserAvatarDocument, type UpdateProfileInput } from '../support/generated/graphql.js';
import * as subgraph from '../support/generated/users-subgraph.js';
import { errorCode, graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';
import { startUsers, type UsersFixture } from './fixture.js';

interface MediaJob {
  data: { mediaIds: string[]; reason: string };
}

describe('profile pictures (avatarMediaId) with the real media subgraph, through the router', () => {
  let stack: Stack;
  let media: Awaited<ReturnType<typeof mediaStates>>;

  beforeAll(async () => {
    stack = await startStack();
    media = await mediaStates(stack);
  });
  afterAll(async () => {
    await media?.remove();
    await stack?.close();
  });

  const update = (as: TestUser, input: UpdateProfileInput) => graphql(stack.url, UpdateProfileAvatarDocument, { input }, as.accessToken);
  const avatarJobs = (user: TestUser) =>
    stack.sql<MediaJob>(`select data from pgboss.job where name = 'media-delete' and data->>'reason' = $1 order by created_on`, [
      `avatar:${user.id}`,
    ]);
  const gone = async (id: string) => (await media.rows([id])).length === 0 && (await media.storedFiles(id)).length === 0;

  it('sets, keeps, replaces and clears the picture, deleting each one it stops showing', async () => {
    const ada = await registerUser(stack.url, 'ada');
    const first = await media.readyImage(ada, null);
    const second = await media.imageIn(ada, null, { status: 'PROCESSING' });

    const set = await update(ada, { avatarMediaId: first });
    const renamed = await update(ada, { displayName: 'Ada L.' });
    const jobsAfterKeeping = await avatarJobs(ada);
    const firstAfterKeeping = await media.rows([first]);
    const firstAnonymously = await media.anonymousLookup(first);
    const replaced = await update(ada, { avatarMediaId: second });
    await expect.poll(() => gone(first), { timeout: 30_000 }).toBe(true);
    const secondAfterReplacing = await media.rows([second]);
    const cleared = await update(ada, { avatarMediaId: null });

    expect(set.data!.updateProfile.avatarMediaId).toBe(first);
    expect(renamed.data!.updateProfile).toMatchObject({ displayName: 'Ada L.', avatarMediaId: first });
    expect(jobsAfterKeeping).toEqual([]);
    expect(firstAfterKeeping).toEqual([first]);
    // Media answers nobody but a signed-in viewer: users could only have accepted the file by asking as Ada.
    expect(firstAnonymously).toBeNull();
    expect(replaced.data!.updateProfile.avatarMediaId).toBe(second);
    expect(secondAfterReplacing).toEqual([second]);
    expect(cleared.data!.updateProfile.avatarMediaId).toBeNull();
    await expect.poll(() => gone(second), { timeout: 30_000 }).toBe(true);
    expect((await avatarJobs(ada)).map((job) => job.data)).toEqual([
      { mediaIds: [first], reason: `avatar:${ada.id}` },
      { mediaIds: [second], reason: `avatar:${ada.id}` },
    ]);
  });

  it('refuses files that are unknown, someone else’s, for a conversation, not images, unfinished or failed, changing nothing', async () => {
    const [grace, linus] = await Promise.all([registerUser(stack.url, 'grace'), registerUser(stack.url, 'linus')]);
    const conversationId = await chatAs(stack, grace).create('DIRECT', [linus]);
    // One after another: a burst of parallel uploads holds many database connections, and other test files run alongside.
    const cases = [
      '00000000-0000-4000-8000-000000000000',
      await media.image(linus, null),
      await media.image(grace, conversationId),
      await media.video(grace, null),
      await media.uploading(grace, null),
      await media.imageIn(grace, null, { status: 'FAILED' }),
    ];

    const results = [];
    for (const avatarMediaId of cases) results.push(await update(grace, { displayName: 'Changed', avatarMediaId }));

    expect(results.map((r) => [errorCode(r), r.errors?.[0]?.extensions?.field])).toEqual(
      cases.map(() => ['BAD_USER_INPUT', 'avatarMediaId']),
    );
    expect(results.map((r) => r.errors![0]!.message)).toEqual([
      expect.stringMatching(/no file of yours/),
      expect.stringMatching(/no file of yours/),
      expect.stringMatching(/uploaded for a conversation/),
      expect.stringMatching(/must be an image/),
      expect.stringMatching(/not finished uploading/),
      expect.stringMatching(/could not be processed/),
    ]);
    expect(await stack.sql<{ kind: string }>('select kind from media.media where id = $1', [cases[3]])).toEqual([{ kind: 'VIDEO' }]);
    expect(await stack.sql('select display_name, avatar_media_id from users.users where id = $1', [grace.id])).toEqual([
      { display_name: grace.displayName, avatar_media_id: null },
    ]);
  });

  it('gives the picture as a 250×250 JPEG to people who share a conversation, and to no one else', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(stack.url, 'alice'),
      registerUser(stack.url, 'bob'),
      registerUser(stack.url, 'carol'),
    ]);
    await chatAs(stack, alice).create('DIRECT', [bob]);
    const picture = await media.readyImage(alice, null);
    const set = await update(alice, { avatarMediaId: picture });
    const look = (as: TestUser) => graphql(stack.url, UserAvatarDocument, { id: alice.id }, as.accessToken);

    const [asBob, asCarol] = await Promise.all([look(bob), look(carol)]);
    const fetched = await fetch(new URL(asBob.data!.user!.avatarUrl!, stack.origin));

    expect(set.errors).toBeUndefined();
    expect(asBob.errors).toBeUndefined();
    expect(asBob.data!.user).toMatchObject({ id: alice.id, avatarUrl: expect.any(String) });
    expect(fetched.status).toBe(200);
    expect(await sharp(Buffer.from(await fetched.arrayBuffer())).metadata()).toMatchObject({ format: 'jpeg', width: 250, height: 250 });
    expect(asCarol.errors).toBeUndefined();
    expect(asCarol.data!.user).toMatchObject({ id: alice.id, avatarUrl: null });
  });
});

describe('users subgraph without a media subgraph', () => {
  let users: UsersFixture;

  beforeAll(async () => {
    users = await startUsers();
  });
  afterAll(async () => {
    await users?.close();
  });

  it('refuses a picture with BAD_USER_INPUT and still lets a missing one be cleared', async () => {
    const ada = await users.register('ada');

    const refused = await users.call(
      subgraph.UpdateProfileAvatarDocument,
      { input: { avatarMediaId: '00000000-0000-4000-8000-000000000000' } },
      ada.accessToken,
    );
    const cleared = await users.call(subgraph.UpdateProfileAvatarDocument, { input: { avatarMediaId: null } }, ada.accessToken);

    expect(refused.errors![0]).toMatchObject({
      message: 'Profile pictures are not available on this server.',
      extensions: { code: 'BAD_USER_INPUT', field: 'avatarMediaId' },
    });
    expect(cleared.data!.updateProfile.avatarMediaId).toBeNull();
  });
});
