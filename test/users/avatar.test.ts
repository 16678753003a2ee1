import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../support/graphql.js';
import { FakeMediaSubgraph } from '../chat/fake-media.js';
import { startUsers, type UsersFixture } from './fixture.js';

const UPDATE = `mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id displayName avatarMediaId } }`;

interface MediaJob {
  data: { mediaIds: string[]; reason: string };
}

describe('users subgraph: profile pictures (avatarMediaId)', () => {
  let users: UsersFixture;
  let media: FakeMediaSubgraph;

  beforeAll(async () => {
    media = new FakeMediaSubgraph();
    users = await startUsers({ mediaUrl: await media.listen() });
  });
  afterAll(async () => {
    await users?.close();
    await media?.close();
  });

  const jobs = () =>
    users.sql<MediaJob & Record<string, unknown>>(`select data from pgboss.job where name = 'media-delete' order by created_on`);

  it('sets, keeps, replaces and clears the picture, enqueuing the deletion of each one it stops showing', async () => {
    const ada = await users.register('ada');
    const first = media.add(ada.id, null);
    const second = media.add(ada.id, null, { status: 'PROCESSING' });

    const set = await users.call(UPDATE, { input: { avatarMediaId: first } }, ada.accessToken);
    const renamed = await users.call(UPDATE, { input: { displayName: 'Ada L.' } }, ada.accessToken);
    const afterKeeping = await jobs();
    const replaced = await users.call(UPDATE, { input: { avatarMediaId: second } }, ada.accessToken);
    const cleared = await users.call(UPDATE, { input: { avatarMediaId: null } }, ada.accessToken);

    expect(set.data!.updateProfile.avatarMediaId).toBe(first);
    expect(renamed.data!.updateProfile).toMatchObject({ displayName: 'Ada L.', avatarMediaId: first });
    expect(afterKeeping).toEqual([]);
    expect(replaced.data!.updateProfile.avatarMediaId).toBe(second);
    expect(cleared.data!.updateProfile.avatarMediaId).toBeNull();
    expect((await jobs()).map((job) => job.data)).toEqual([
      { mediaIds: [first], reason: `avatar:${ada.id}` },
      { mediaIds: [second], reason: `avatar:${ada.id}` },
    ]);
    expect(media.authorizations.at(-1)).toBe(`Bearer ${ada.accessToken}`);
  });

  it('refuses files that are unknown, someone else’s, for a conversation, not images, unfinished or failed, changing nothing', async () => {
    const [grace, linus] = [await users.register('grace'), await users.register('linus')];
    const cases = [
      '00000000-0000-4000-8000-000000000000',
      media.add(linus.id, null),
      media.add(grace.id, '11111111-1111-4111-8111-111111111111'),
      media.add(grace.id, null, { kind: 'VIDEO' }),
      media.add(grace.id, null, { status: 'UPLOADING' }),
      media.add(grace.id, null, { status: 'FAILED' }),
    ];

    const results = await Promise.all(
      cases.map((avatarMediaId) => users.call(UPDATE, { input: { displayName: 'Changed', avatarMediaId } }, grace.accessToken)),
    );

    expect(results.map((r) => [errorCode(r), r.errors?.[0]?.extensions?.field])).toEqual(
      cases.map(() => ['BAD_USER_INPUT', 'avatarMediaId']),
    );
    expect(await users.sql('select display_name, avatar_media_id from users.users where id = $1', [grace.id])).toEqual([
      { display_name: 'grace', avatar_media_id: null },
    ]);
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

    const refused = await users.call(UPDATE, { input: { avatarMediaId: '00000000-0000-4000-8000-000000000000' } }, ada.accessToken);
    const cleared = await users.call(UPDATE, { input: { avatarMediaId: null } }, ada.accessToken);

    expect(refused.errors![0]).toMatchObject({
      message: 'Profile pictures are not available on this server.',
      extensions: { code: 'BAD_USER_INPUT', field: 'avatarMediaId' },
    });
    expect(cleared.data!.updateProfile.avatarMediaId).toBeNull();
  });
});
