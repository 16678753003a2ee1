import { createTokenSigner, generateSigningKeys } from '@chirpchat/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LoginTokensDocument,
  LogoutDocument,
  MeIdDocument,
  RefreshSessionDocument,
  SearchUserIdsDocument,
  UserIdDocument,
} from '../support/generated/users-subgraph.js';
import { errorCode } from '../support/graphql.js';
import { PASSWORD, startUsers, type UsersFixture } from './fixture.js';

let users: UsersFixture;

beforeAll(async () => {
  users = await startUsers();
});

afterAll(async () => {
  await users?.close();
});

async function refresh(token: string) {
  return users.call(RefreshSessionDocument, { token });
}

describe('refreshSession', () => {
  it('rotates: returns a new pair that works, and the presented token is spent', async () => {
    const alice = await users.register('alice');
    const rotated = await refresh(alice.refreshToken);
    expect(rotated.errors).toBeUndefined();
    const payload = rotated.data!.refreshSession;
    expect(payload.user).toEqual({ id: alice.id, email: 'alice@example.com' });
    expect(payload.refreshToken).not.toBe(alice.refreshToken);
    expect((await users.call(MeIdDocument, {}, payload.accessToken)).data?.me?.id).toBe(alice.id);

    const [spent] = await users.sql<{ used_at: Date | null; family: string }>(
      'select used_at, family from users.refresh_tokens where id = $1',
      [alice.refreshToken.split('.')[0]],
    );
    const [next] = await users.sql<{ family: string }>('select family from users.refresh_tokens where id = $1', [
      payload.refreshToken.split('.')[0],
    ]);
    expect(spent!.used_at).toBeInstanceOf(Date);
    expect(next!.family).toBe(spent!.family);
  });

  it('revokes the whole family when a used refresh token is replayed', async () => {
    const bob = await users.register('bob');
    const second = (await refresh(bob.refreshToken)).data!.refreshSession.refreshToken;
    const newest = (await refresh(second)).data!.refreshSession.refreshToken;

    const replay = await refresh(bob.refreshToken);
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');
    expect(replay.errors?.[0]?.message).toMatch(/already used/);

    expect(errorCode(await refresh(newest))).toBe('UNAUTHENTICATED');
    const live = await users.sql(
      'select t.id from users.refresh_tokens t join users.users u on u.id = t.user_id where u.username = $1 and t.revoked_at is null',
      ['bob'],
    );
    expect(live).toEqual([]);
  });

  it('lets exactly one of two concurrent refreshes of the same token succeed', async () => {
    const carol = await users.register('carol');
    const results = await Promise.all([refresh(carol.refreshToken), refresh(carol.refreshToken)]);
    expect(results.filter((r) => r.data?.refreshSession)).toHaveLength(1);
    expect(results.map(errorCode).filter(Boolean)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an expired refresh token', async () => {
    const dave = await users.register('dave');
    await users.sql(`update users.refresh_tokens set expires_at = now() - interval '1 second' where id = $1`, [
      dave.refreshToken.split('.')[0],
    ]);
    expect(errorCode(await refresh(dave.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['garbage', 'not a token'],
    ['an unknown id', '00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['an extra part', 'a.b.c'],
  ])('refuses %s with UNAUTHENTICATED', async (_case, token) => {
    expect(errorCode(await refresh(token))).toBe('UNAUTHENTICATED');
  });

  it('refuses a known id with a wrong secret and leaves the real token working', async () => {
    const erin = await users.register('erin');
    const [id] = erin.refreshToken.split('.');
    expect(errorCode(await refresh(`${id}.${'A'.repeat(43)}`))).toBe('UNAUTHENTICATED');
    expect((await refresh(erin.refreshToken)).data?.refreshSession.user.id).toBe(erin.id);
  });
});

describe('logout', () => {
  it('revokes the session it is given and leaves the account’s other sessions alone', async () => {
    const frank = await users.register('frank');
    const laptop = (await users.call(LoginTokensDocument, { input: { login: 'frank', password: PASSWORD } })).data!.login;
    const phone = (await refresh(frank.refreshToken)).data!.refreshSession;

    expect((await users.call(LogoutDocument, { token: phone.refreshToken })).data).toEqual({ logout: true });
    expect(errorCode(await refresh(phone.refreshToken))).toBe('UNAUTHENTICATED');
    expect((await refresh(laptop.refreshToken)).data?.refreshSession.user.id).toBe(frank.id);
  });

  it('answers false for a token it does not know', async () => {
    expect((await users.call(LogoutDocument, { token: '00000000-0000-4000-8000-000000000000.whatever' })).data).toEqual({ logout: false });
    expect((await users.call(LogoutDocument, { token: 'nonsense' })).data).toEqual({ logout: false });
  });
});

describe('access tokens', () => {
  it('refuses an expired access token with UNAUTHENTICATED and says to refresh', async () => {
    const grace = await users.register('grace');
    const signPast = await createTokenSigner(users.keys.privateKey, -60);
    const { token, expiresAt } = await signPast(grace.id);
    expect(expiresAt.getTime()).toBeLessThan(Date.now());

    const response = await users.call(UserIdDocument, { id: grace.id }, token);
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
    expect(response.errors?.[0]?.message).toMatch(/expired/);
    expect((await users.call(MeIdDocument, {}, token)).data).toEqual({ me: null });
  });

  it('refuses a token signed with another key', async () => {
    const henry = await users.register('henry');
    const forged = await (await createTokenSigner(generateSigningKeys().privateKey, 900))(henry.id);
    const response = await users.call(SearchUserIdsDocument, { query: 'henry' }, forged.token);
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
  });
});
