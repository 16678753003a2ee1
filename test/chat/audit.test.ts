import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddMembersDocument,
  ConversationAuditLogDocument,
  DeleteMessageViewDocument,
  LeaveConversationDocument,
  RemoveMemberDocument,
  SendMessageViewDocument,
  SetMemberRoleDocument,
  type ConversationAuditLogQuery,
} from '../support/generated/graphql.js';
import { caller, errorCode, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';
import { chatAs } from '../support/chat.js';

const AGENT = 'AuditTest/1.0 (chat)';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

type AuditEvent = ConversationAuditLogQuery['conversationAuditLog'][number];

function people<Names extends string[]>(...names: Names): Promise<{ [K in keyof Names]: TestUser }> {
  return Promise.all(names.map((name) => registerUser(stack.url, name))) as Promise<{ [K in keyof Names]: TestUser }>;
}

/** Calls the router as `user` from a browser with the test's User-Agent. */
function as(user: TestUser) {
  return caller(stack.url, user.accessToken, { 'user-agent': AGENT });
}

async function auditLog(owner: TestUser, conversationId: string): Promise<AuditEvent[]> {
  const response = await as(owner)(ConversationAuditLogDocument, { c: conversationId, first: 100 });
  expect(response.errors).toBeUndefined();
  return response.data!.conversationAuditLog;
}

/** The conversation's events as stored, oldest first, with what the API hides from owners. */
function stored(conversationId: string) {
  return stack.sql<{ action: string; actor_id: string; target_user_id: string; address: string | null; user_agent: string | null }>(
    `select * from audit.events where conversation_id = $1 order by seq`,
    [conversationId],
  );
}

describe('the audit trail of a conversation', () => {
  it('records each membership change and deletion for everyone once, with the actor, the target and the client', async () => {
    const [owner, admin, member, newcomer] = await people('owner', 'admin', 'member', 'newcomer');
    const group = await chatAs(stack, owner).create('GROUP', [admin, member], 'Audited');

    expect((await as(owner)(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' })).errors).toBeUndefined();
    expect((await as(admin)(AddMembersDocument, { c: group, u: [newcomer.id, member.id] })).errors).toBeUndefined();
    const sent = await as(newcomer)(SendMessageViewDocument, { input: { conversationId: group, clientId: 'audit-1', text: 'oops' } });
    const messageId = sent.data!.sendMessage.id;
    expect((await as(admin)(DeleteMessageViewDocument, { id: messageId, forEveryone: true })).errors).toBeUndefined();
    // A tombstone deleted again, and a message hidden for oneself, are not moderation.
    expect((await as(admin)(DeleteMessageViewDocument, { id: messageId, forEveryone: true })).errors).toBeUndefined();
    expect((await as(member)(DeleteMessageViewDocument, { id: messageId, forEveryone: false })).errors).toBeUndefined();
    expect((await as(owner)(RemoveMemberDocument, { c: group, u: newcomer.id })).errors).toBeUndefined();
    expect((await as(member)(LeaveConversationDocument, { c: group })).errors).toBeUndefined();
    // Giving someone the role they have changes nothing and records nothing.
    expect((await as(owner)(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' })).errors).toBeUndefined();

    const log = await auditLog(owner, group);
    expect(
      [...log].reverse().map((event) => ({
        action: event.action,
        actor: event.actor?.id,
        target: event.targetUser?.id,
        subject: event.subjectId,
        role: event.role,
      })),
    ).toEqual([
      { action: 'member.role_changed', actor: owner.id, target: admin.id, subject: null, role: 'ADMIN' },
      { action: 'member.added', actor: admin.id, target: newcomer.id, subject: null, role: null },
      { action: 'message.deleted_for_everyone', actor: admin.id, target: newcomer.id, subject: messageId, role: null },
      { action: 'member.removed', actor: owner.id, target: newcomer.id, subject: null, role: 'MEMBER' },
      { action: 'member.left', actor: member.id, target: member.id, subject: null, role: null },
    ]);
    expect(log.every((event) => event.conversationId === group)).toBe(true);
    expect(log.find((event) => event.actor?.id === admin.id)?.actor?.username).toBe(admin.username);

    const rows = await stored(group);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row.user_agent).toBe(AGENT);
      expect(row.address).toMatch(/127\.0\.0\.1$/);
    }
  });

  it('shows the owner their own addresses and User-Agents but not other members’', async () => {
    const [owner, admin, guest] = await people('owner', 'admin', 'guest');
    const group = await chatAs(stack, owner).create('GROUP', [admin], 'Private');
    await as(owner)(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' });
    await as(admin)(AddMembersDocument, { c: group, u: [guest.id] });

    const [added, promoted] = await auditLog(owner, group);
    expect(added).toMatchObject({ action: 'member.added', actor: { id: admin.id }, address: null, userAgent: null });
    expect(promoted).toMatchObject({ action: 'member.role_changed', actor: { id: owner.id }, userAgent: AGENT });
    expect(promoted!.address).toMatch(/127\.0\.0\.1$/);
  });

  it('records nothing for a refused change', async () => {
    const [owner, admin, member, outsider] = await people('owner', 'admin', 'member', 'outsider');
    const group = await chatAs(stack, owner).create('GROUP', [admin, member], 'Refusals');
    await as(owner)(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' });
    const before = await stored(group);

    expect(errorCode(await as(admin)(SetMemberRoleDocument, { c: group, u: member.id, r: 'OWNER' }))).toBe('FORBIDDEN');
    expect(errorCode(await as(member)(AddMembersDocument, { c: group, u: [outsider.id] }))).toBe('FORBIDDEN');
    expect(errorCode(await as(admin)(RemoveMemberDocument, { c: group, u: owner.id }))).toBe('FORBIDDEN');
    expect(errorCode(await as(owner)(LeaveConversationDocument, { c: group }))).toBe('CONFLICT');
    const mine = await as(member)(SendMessageViewDocument, { input: { conversationId: group, clientId: 'audit-2', text: 'hi' } });
    expect(errorCode(await as(outsider)(DeleteMessageViewDocument, { id: mine.data!.sendMessage.id, forEveryone: true }))).toBe(
      'FORBIDDEN',
    );

    expect(await stored(group)).toEqual(before);
  });

  it('refuses the log to members who are not OWNERs and to people outside the conversation', async () => {
    const [owner, admin, member, outsider] = await people('owner', 'admin', 'member', 'outsider');
    const group = await chatAs(stack, owner).create('GROUP', [admin, member], 'Owners only');
    await as(owner)(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' });

    for (const user of [admin, member, outsider]) {
      const response = await as(user)(ConversationAuditLogDocument, { c: group });
      expect(errorCode(response)).toBe('FORBIDDEN');
      expect(response.data?.conversationAuditLog ?? null).toBeNull();
    }
    expect(errorCode(await as(owner)(ConversationAuditLogDocument, { c: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND');
    expect(errorCode(await as(owner)(ConversationAuditLogDocument, { c: group, before: 'not-an-id' }))).toBe('BAD_USER_INPUT');
  });
});
