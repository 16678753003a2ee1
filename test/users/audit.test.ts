import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChangePasswordTokensDocument,
  DeleteAccountWithPasswordDocument,
  LoginDeviceDocument,
  MySessionsListDocument,
  RevokeSessionByIdDocument,
  LoginAuditedDocument,
  LogoutDocument,
  MySecurityEventsDocument,
  RefreshSessionTokensDocument,
  type MySecurityEventsQuery,
} from '../support/generated/graphql.js';
import { caller, errorCode, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

const PASSWORD = 'correct horse battery staple';
/** What every request of these tests says it is, to find it again in the trail. */
const AGENT = 'AuditTest/1.0 (users)';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

type SecurityEvent = MySecurityEventsQuery['mySecurityEvents'][number];

/** Calls the router as a browser with the test's User-Agent, signed in as `user` when given. */
function as(user?: TestUser) {
  return caller(stack.url, user?.accessToken, { 'user-agent': AGENT });
}

async function securityEvents(user: TestUser): Promise<SecurityEvent[]> {
  const response = await as(user)(MySecurityEventsDocument, { first: 100 });
  expect(response.errors).toBeUndefined();
  return response.data!.mySecurityEvents;
}

function rows(action: string, userId: string) {
  return stack.sql<{ actor_id: string | null; target_user_id: string | null; address: string | null; user_agent: string | null }>(
    `select * from audit.events where action = $1 and (actor_id = $2 or target_user_id = $2)`,
    [action, userId],
  );
}

describe('the audit trail of sign-ins and sessions', () => {
  it('records a successful sign-in once, with the account as actor and target and the forwarded address and User-Agent', async () => {
    const alice = await registerUser(stack.url, 'alice');
    const login = await as()(LoginAuditedDocument, { input: { login: alice.username, password: PASSWORD } });
    expect(login.errors).toBeUndefined();

    const events = (await securityEvents(alice)).filter((event) => event.action === 'sign_in.succeeded');
    expect(events).toEqual([
      expect.objectContaining({
        actor: { id: alice.id },
        targetUser: { id: alice.id },
        userAgent: AGENT,
        address: expect.stringMatching(/127\.0\.0\.1$/),
      }),
    ]);
    expect(await rows('sign_in.succeeded', alice.id)).toHaveLength(1);
  });

  it('records a failed sign-in against the account it names, with no actor, and one for an unknown login with no account', async () => {
    const bob = await registerUser(stack.url, 'bob');
    const wrong = await as()(LoginAuditedDocument, { input: { login: `${bob.username}@example.com`, password: 'not the password' } });
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    const unknownLogin = `nobody_${Date.now()}`;
    const unknown = await as()(LoginAuditedDocument, { input: { login: unknownLogin, password: 'whatever it is' } });
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');

    const failed = (await securityEvents(bob)).filter((event) => event.action === 'sign_in.failed');
    expect(failed).toEqual([expect.objectContaining({ actor: null, targetUser: { id: bob.id }, userAgent: AGENT })]);
    const [stranger] = await stack.sql<{ target_user_id: string | null; actor_id: string | null; detail: { login: string } }>(
      `select * from audit.events where action = 'sign_in.failed' and detail->>'login' = $1`,
      [unknownLogin],
    );
    expect(stranger).toMatchObject({ target_user_id: null, actor_id: null, detail: { login: unknownLogin } });
  });

  it('records a refresh-token replay once, against the family’s user, and no event for an ordinary rotation', async () => {
    const carol = await registerUser(stack.url, 'carol');
    const rotated = await as()(RefreshSessionTokensDocument, { token: carol.refreshToken });
    expect(rotated.errors).toBeUndefined();
    const replayed = await as()(RefreshSessionTokensDocument, { token: carol.refreshToken });
    expect(errorCode(replayed)).toBe('UNAUTHENTICATED');

    const login = await as()(LoginAuditedDocument, { input: { login: carol.username, password: PASSWORD } });
    const fresh = { ...carol, accessToken: login.data!.login.accessToken };
    const reused = (await securityEvents(fresh)).filter((event) => event.action === 'refresh_token.reused');
    expect(reused).toEqual([
      expect.objectContaining({ actor: null, targetUser: { id: carol.id }, userAgent: AGENT, subjectId: expect.any(String) }),
    ]);
  });

  it('records a logout as one revoked session, and nothing for logging out of it again', async () => {
    const dave = await registerUser(stack.url, 'dave');
    expect((await as()(LogoutDocument, { token: dave.refreshToken })).data?.logout).toBe(true);
    expect((await as()(LogoutDocument, { token: dave.refreshToken })).data?.logout).toBe(true);

    // Logging out stopped that session's access token too: read the trail from a new sign-in.
    const again = await as()(LoginDeviceDocument, { input: { login: dave.username, password: PASSWORD } });
    const signedIn = { ...dave, accessToken: again.data!.login.accessToken };
    const revoked = (await securityEvents(signedIn)).filter((event) => event.action === 'session.revoked');
    expect(revoked).toEqual([expect.objectContaining({ actor: { id: dave.id }, targetUser: { id: dave.id }, userAgent: AGENT })]);
  });

  it('shows people only their own security events, newest first, page by page', async () => {
    const [erin, frank] = await Promise.all([registerUser(stack.url, 'erin'), registerUser(stack.url, 'frank')]);
    for (let i = 0; i < 3; i++) await as()(LoginAuditedDocument, { input: { login: erin.username, password: PASSWORD } });
    await as()(LoginAuditedDocument, { input: { login: frank.username, password: 'wrong password here' } });

    const mine = await securityEvents(erin);
    expect(mine.map((event) => event.action)).toEqual(['sign_in.succeeded', 'sign_in.succeeded', 'sign_in.succeeded']);
    for (const event of mine) expect([event.actor?.id, event.targetUser?.id]).toContain(erin.id);
    expect([...mine].sort((a, b) => b.at.localeCompare(a.at))).toEqual(mine);

    const first = await as(erin)(MySecurityEventsDocument, { first: 2 });
    const rest = await as(erin)(MySecurityEventsDocument, { first: 2, before: first.data!.mySecurityEvents[1]!.id });
    expect([...first.data!.mySecurityEvents, ...rest.data!.mySecurityEvents].map((event) => event.id)).toEqual(mine.map((e) => e.id));

    expect(errorCode(await as(erin)(MySecurityEventsDocument, { first: 101 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await as()(MySecurityEventsDocument, {}))).toBe('UNAUTHENTICATED');
  });
});

describe('the audit table', () => {
  it('refuses UPDATE, DELETE and TRUNCATE, whoever asks', async () => {
    const gina = await registerUser(stack.url, 'gina');
    await as()(LoginAuditedDocument, { input: { login: gina.username, password: PASSWORD } });
    const before = await rows('sign_in.succeeded', gina.id);
    expect(before).toHaveLength(1);

    await expect(stack.sql(`update audit.events set address = '10.0.0.1' where actor_id = $1`, [gina.id])).rejects.toThrow(/append-only/);
    await expect(stack.sql(`delete from audit.events where actor_id = $1`, [gina.id])).rejects.toThrow(/append-only/);
    await expect(stack.sql(`truncate audit.events`)).rejects.toThrow(/append-only/);
    expect(await rows('sign_in.succeeded', gina.id)).toEqual(before);
  });
});

describe('the audit trail of password changes, devices signed out and account deletion', () => {
  it('records each once, with the person as actor and target, the forwarded User-Agent, and nothing for a refused attempt', async () => {
    const carol = await registerUser(stack.url, 'carol');
    const phone = await as()(LoginDeviceDocument, { input: { login: carol.username, password: PASSWORD } });
    expect(phone.errors).toBeUndefined();
    const sessions = await as(carol)(MySessionsListDocument);
    const other = sessions.data!.mySessions.find((session) => !session.current)!;

    // A refused change (wrong current password) records nothing.
    const refused = await as(carol)(ChangePasswordTokensDocument, {
      input: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase 42' },
    });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(await rows('password.changed', carol.id)).toHaveLength(0);

    expect((await as(carol)(RevokeSessionByIdDocument, { id: other.id })).errors).toBeUndefined();
    const changed = await as(carol)(ChangePasswordTokensDocument, {
      input: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 42' },
    });
    expect(changed.errors).toBeUndefined();
    const now = { ...carol, accessToken: changed.data!.changePassword.accessToken };
    const before = await securityEvents(now);
    expect(await as(now)(DeleteAccountWithPasswordDocument, { password: 'a brand new passphrase 42' })).toMatchObject({
      data: { deleteAccount: true },
    });

    const revoked = before.filter((event) => event.action === 'session.revoked');
    expect(revoked).toEqual([
      expect.objectContaining({ actor: { id: carol.id }, targetUser: { id: carol.id }, subjectId: other.id, userAgent: AGENT }),
    ]);
    expect(before.filter((event) => event.action === 'password.changed')).toEqual([
      expect.objectContaining({ actor: { id: carol.id }, targetUser: { id: carol.id }, userAgent: AGENT }),
    ]);
    // The deleted account can read nothing any more: the trail itself shows it.
    expect(await rows('account.deleted', carol.id)).toEqual([
      expect.objectContaining({ actor_id: carol.id, target_user_id: carol.id, user_agent: AGENT }),
    ]);
    expect(await rows('password.changed', carol.id)).toHaveLength(1);
  });
});
