import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LoginDocument,
  MeDocument,
  RegisterDocument,
  UpdateDisplayNameDocument,
  UserDocument,
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

async function countUsers(): Promise<number> {
  const [row] = await users.sql<{ count: string }>('select count(*) from users.users');
  return Number(row!.count);
}

describe('register', () => {
  it('creates an account with a normalized username and email and signs it in', async () => {
    const response = await users.call(RegisterDocument, {
      input: { username: '  Alice.Smith ', email: ' Alice@Example.COM ', password: PASSWORD, displayName: '  Alice Smith  ' },
    });
    expect(response.errors).toBeUndefined();
    const payload = response.data!.register;
    expect(payload.user).toMatchObject({ username: 'alice.smith', displayName: 'Alice Smith', email: 'alice@example.com' });
    expect(payload.accessToken.split('.')).toHaveLength(3);
    expect(payload.refreshToken).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(new Date(payload.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());

    const me = await users.call(MeDocument, {}, payload.accessToken);
    expect(me.data?.me).toEqual({ id: payload.user.id, username: 'alice.smith', displayName: 'Alice Smith', email: 'alice@example.com' });
  });

  it('uses the username as the display name when none (or a blank one) is given', async () => {
    const response = await users.call(RegisterDocument, {
      input: { username: 'plain', email: 'plain@example.com', password: PASSWORD, displayName: '   ' },
    });
    expect(response.data?.register.user.displayName).toBe('plain');
  });

  it('stores only an argon2id hash of the password and of the refresh token secret', async () => {
    const account = await users.register('hashes');
    const [user] = await users.sql<{ password_hash: string }>('select password_hash from users.users where id = $1', [account.id]);
    expect(user!.password_hash).toMatch(/^\$argon2id\$/);
    expect(user!.password_hash).not.toContain(PASSWORD);
    const [token] = await users.sql<{ secret_hash: string }>('select secret_hash from users.refresh_tokens where user_id = $1', [
      account.id,
    ]);
    expect(token!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(account.refreshToken).not.toContain(token!.secret_hash);
  });

  it('refuses a taken username or email, in any case, with CONFLICT and stores nothing', async () => {
    await users.register('taken');
    const before = await countUsers();

    const sameUsername = await users.call(RegisterDocument, {
      input: { username: 'TAKEN', email: 'fresh@example.com', password: PASSWORD },
    });
    expect(errorCode(sameUsername)).toBe('CONFLICT');
    expect(sameUsername.errors?.[0]?.extensions?.field).toBe('username');

    const sameEmail = await users.call(RegisterDocument, { input: { username: 'fresh', email: 'Taken@Example.com', password: PASSWORD } });
    expect(errorCode(sameEmail)).toBe('CONFLICT');
    expect(sameEmail.errors?.[0]?.extensions?.field).toBe('email');

    expect(await countUsers()).toBe(before);
  });

  it('turns a race between two registrations of one username into one account and one CONFLICT', async () => {
    const before = await countUsers();
    const results = await Promise.all([
      users.call(RegisterDocument, { input: { username: 'racer', email: 'racer1@example.com', password: PASSWORD } }),
      users.call(RegisterDocument, { input: { username: 'racer', email: 'racer2@example.com', password: PASSWORD } }),
    ]);
    expect(results.filter((r) => r.data?.register)).toHaveLength(1);
    expect(results.map(errorCode).filter(Boolean)).toEqual(['CONFLICT']);
    expect(await countUsers()).toBe(before + 1);
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['a space', 'two words'],
    ['a letter outside a-z', 'zoë'],
    ['a hyphen', 'dash-name'],
  ])('refuses a username with %s with BAD_USER_INPUT on the username field and stores nothing', async (_case, username) => {
    const before = await countUsers();
    const response = await users.call(RegisterDocument, { input: { username, email: 'someone@example.com', password: PASSWORD } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.field).toBe('username');
    expect(await countUsers()).toBe(before);
  });

  it.each([
    ['empty', ''],
    ['shorter than 8 characters', 'Sh0rt!'],
    ['one repeated character', 'aaaaaaaaaaaa'],
    ['a common password', 'Password'],
    ['another common password', 'qwerty123'],
    ['the username', 'weakuser1'],
    ['the email', 'weakuser1@example.com'],
    ['longer than 256 characters', 'ab'.repeat(129)],
  ])('refuses a password that is %s with BAD_USER_INPUT and stores nothing', async (_case, password) => {
    const before = await countUsers();
    const response = await users.call(RegisterDocument, { input: { username: 'weakuser1', email: 'weakuser1@example.com', password } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.field).toBe('password');
    expect(await countUsers()).toBe(before);
  });

  it.each([
    ['email', { email: 'not-an-email' }],
    ['email', { email: `${'a'.repeat(250)}@example.com` }],
    ['displayName', { displayName: 'n'.repeat(65) }],
    ['displayName', { displayName: 'two\nlines' }],
  ])('refuses a bad %s with BAD_USER_INPUT on that field', async (field, change) => {
    const before = await countUsers();
    const response = await users.call(RegisterDocument, {
      input: { username: 'baduser', email: 'baduser@example.com', password: PASSWORD, ...change },
    });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countUsers()).toBe(before);
  });
});

describe('login', () => {
  it('signs in by username or by email, ignoring case and surrounding spaces', async () => {
    const account = await users.register('bob');
    for (const login of ['bob', ' BOB ', 'Bob@Example.com']) {
      const response = await users.call(LoginDocument, { input: { login, password: PASSWORD } });
      expect(response.data?.login.user).toEqual({ id: account.id, username: 'bob', email: 'bob@example.com' });
      const me = await users.call(MeDocument, {}, response.data!.login.accessToken);
      expect(me.data?.me?.id).toBe(account.id);
    }
  });

  it('gives the same UNAUTHENTICATED answer for a wrong password and an unknown account', async () => {
    await users.register('carol');
    const wrongPassword = await users.call(LoginDocument, { input: { login: 'carol', password: 'not the password at all' } });
    const unknownAccount = await users.call(LoginDocument, { input: { login: 'nobody-here@example.com', password: PASSWORD } });
    expect(errorCode(wrongPassword)).toBe('UNAUTHENTICATED');
    expect(errorCode(unknownAccount)).toBe('UNAUTHENTICATED');
    expect(wrongPassword.errors?.[0]?.message).toBe(unknownAccount.errors?.[0]?.message);
    expect(wrongPassword.data).toBeNull();
  });

  it('refuses an empty login or password with BAD_USER_INPUT', async () => {
    expect(errorCode(await users.call(LoginDocument, { input: { login: ' ', password: PASSWORD } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await users.call(LoginDocument, { input: { login: 'carol', password: '' } }))).toBe('BAD_USER_INPUT');
  });
});

describe('profiles', () => {
  it('answers me with null when no access token is sent', async () => {
    const response = await users.call(MeDocument);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ me: null });
  });

  it('shows the email to its owner only', async () => {
    const dave = await users.register('dave');
    const erin = await users.register('erin');
    const own = await users.call(UserDocument, { id: dave.id }, dave.accessToken);
    expect(own.data?.user?.email).toBe('dave@example.com');
    const other = await users.call(UserDocument, { id: dave.id }, erin.accessToken);
    expect(other.data?.user).toEqual({ id: dave.id, username: 'dave', displayName: 'dave', email: null });
  });

  it('needs a signed-in viewer for user(id) and answers null for an unknown or malformed id', async () => {
    const frank = await users.register('frank');
    expect(errorCode(await users.call(UserDocument, { id: frank.id }))).toBe('UNAUTHENTICATED');
    const unknown = await users.call(UserDocument, { id: '00000000-0000-4000-8000-000000000000' }, frank.accessToken);
    expect(unknown).toEqual({ data: { user: null } });
    const malformed = await users.call(UserDocument, { id: 'not-a-uuid' }, frank.accessToken);
    expect(malformed).toEqual({ data: { user: null } });
  });

  it('updates the display name, trimmed, and refuses a blank one with BAD_USER_INPUT', async () => {
    const grace = await users.register('grace');
    const updated = await users.call(UpdateDisplayNameDocument, { input: { displayName: '  Grace Hopper ' } }, grace.accessToken);
    expect(updated.data?.updateProfile).toEqual({ id: grace.id, displayName: 'Grace Hopper' });

    const blank = await users.call(UpdateDisplayNameDocument, { input: { displayName: '  ' } }, grace.accessToken);
    expect(errorCode(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors?.[0]?.extensions?.field).toBe('displayName');

    const unchanged = await users.call(UpdateDisplayNameDocument, { input: {} }, grace.accessToken);
    expect(unchanged.data?.updateProfile.displayName).toBe('Grace Hopper');
    expect(errorCode(await users.call(UpdateDisplayNameDocument, { input: { displayName: 'Anonymous' } }))).toBe('UNAUTHENTICATED');

    const [row] = await users.sql<{ display_name: string }>('select display_name from users.users where id = $1', [grace.id]);
    expect(row!.display_name).toBe('Grace Hopper');
  });
});
