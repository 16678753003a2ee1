import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAs, rolesOf } from '../support/chat.js';
import {
  AddMembersDocument,
  AddReactionCountsDocument,
  EditMessageTextDocument,
  LeaveConversationDocument,
  MessageAddedTextDocument,
  MessageIdsSinceDocument,
  MessageUpdatedTextDocument,
  MessagesSinceViewDocument,
  RemoveMemberDocument,
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

/** Fresh people for one test, so no test depends on another's changes. */
function people<Names extends string[]>(...names: Names): Promise<{ [K in keyof Names]: TestUser }> {
  return Promise.all(names.map((name) => registerUser(stack.url, name))) as Promise<{ [K in keyof Names]: TestUser }>;
}

describe('adding members', () => {
  it('lets an OWNER add people as MEMBERs and leaves those already in as they are', async () => {
    const [owner, bob, carol] = await people('owner', 'bob', 'carol');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [bob], 'Team');
    await chat.call(SetMemberRoleDocument, { c: group, u: bob.id, r: 'ADMIN' });

    const added = await chat.call(AddMembersDocument, { c: group, u: [carol.id, bob.id] });
    expect(added.errors).toBeUndefined();
    expect(rolesOf(added.data!.addMembers.members)).toEqual({ [owner.id]: 'OWNER', [bob.id]: 'ADMIN', [carol.id]: 'MEMBER' });

    const asCarol = await chatAs(stack, carol).conversation(group);
    expect(asCarol.data?.conversation).toMatchObject({ id: group, title: 'Team', myRole: 'MEMBER' });
  });

  it('lets an ADMIN add people but refuses a MEMBER with FORBIDDEN, adding nobody', async () => {
    const [owner, admin, member, newcomer, another] = await people('owner', 'admin', 'member', 'newcomer', 'another');
    const group = await chatAs(stack, owner).create('GROUP', [admin, member]);
    await chatAs(stack, owner).call(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' });

    const byMember = await chatAs(stack, member).call(AddMembersDocument, { c: group, u: [another.id] });
    expect(errorCode(byMember)).toBe('FORBIDDEN');
    const byAdmin = await chatAs(stack, admin).call(AddMembersDocument, { c: group, u: [newcomer.id] });
    expect(byAdmin.errors).toBeUndefined();

    const { data } = await chatAs(stack, owner).conversation(group);
    expect(Object.keys(rolesOf(data!.conversation!.members)).sort()).toEqual([owner.id, admin.id, member.id, newcomer.id].sort());
  });

  it('refuses ids that name no user with BAD_USER_INPUT and adds nobody, not even the known ones', async () => {
    const [owner, known] = await people('owner', 'known');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', []);
    const ghost = '00000000-0000-4000-8000-000000000000';

    const response = await chat.call(AddMembersDocument, { c: group, u: [known.id, ghost] });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toContain(ghost);
    expect(rolesOf((await chat.conversation(group)).data!.conversation!.members)).toEqual({ [owner.id]: 'OWNER' });
  });

  it('refuses an empty list with BAD_USER_INPUT', async () => {
    const [owner] = await people('owner');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', []);
    expect(errorCode(await chat.call(AddMembersDocument, { c: group, u: [] }))).toBe('BAD_USER_INPUT');
  });
});

describe('roles', () => {
  it('lets an OWNER promote to ADMIN and OWNER and demote again', async () => {
    const [owner, bob] = await people('owner', 'bob');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [bob]);

    const admin = await chat.call(SetMemberRoleDocument, { c: group, u: bob.id, r: 'ADMIN' });
    expect(admin.data?.setMemberRole).toMatchObject({ user: { id: bob.id }, role: 'ADMIN' });
    const coOwner = await chat.call(SetMemberRoleDocument, { c: group, u: bob.id, r: 'OWNER' });
    expect(coOwner.data?.setMemberRole.role).toBe('OWNER');
    const demoted = await chat.call(SetMemberRoleDocument, { c: group, u: bob.id, r: 'MEMBER' });
    expect(demoted.data?.setMemberRole.role).toBe('MEMBER');
    expect((await chatAs(stack, bob).conversation(group)).data?.conversation?.myRole).toBe('MEMBER');
  });

  it('refuses role changes by a MEMBER or an ADMIN with FORBIDDEN and changes nothing', async () => {
    const [owner, admin, member] = await people('owner', 'admin', 'member');
    const group = await chatAs(stack, owner).create('GROUP', [admin, member]);
    await chatAs(stack, owner).call(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' });

    expect(errorCode(await chatAs(stack, member).call(SetMemberRoleDocument, { c: group, u: member.id, r: 'ADMIN' }))).toBe('FORBIDDEN');
    expect(errorCode(await chatAs(stack, admin).call(SetMemberRoleDocument, { c: group, u: member.id, r: 'ADMIN' }))).toBe('FORBIDDEN');
    expect(errorCode(await chatAs(stack, admin).call(SetMemberRoleDocument, { c: group, u: owner.id, r: 'MEMBER' }))).toBe('FORBIDDEN');

    const { data } = await chatAs(stack, owner).conversation(group);
    expect(rolesOf(data!.conversation!.members)).toEqual({ [owner.id]: 'OWNER', [admin.id]: 'ADMIN', [member.id]: 'MEMBER' });
  });

  it('refuses a role for someone who is not a member with BAD_USER_INPUT', async () => {
    const [owner, outsider] = await people('owner', 'outsider');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', []);
    expect(errorCode(await chat.call(SetMemberRoleDocument, { c: group, u: outsider.id, r: 'ADMIN' }))).toBe('BAD_USER_INPUT');
  });
});

describe('removing members', () => {
  it('lets an ADMIN remove a MEMBER but not another ADMIN or an OWNER (FORBIDDEN)', async () => {
    const [owner, admin, otherAdmin, member] = await people('owner', 'admin', 'admin2', 'member');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [admin, otherAdmin, member]);
    await chat.call(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' });
    await chat.call(SetMemberRoleDocument, { c: group, u: otherAdmin.id, r: 'ADMIN' });
    const asAdmin = chatAs(stack, admin);

    expect(errorCode(await asAdmin.call(RemoveMemberDocument, { c: group, u: otherAdmin.id }))).toBe('FORBIDDEN');
    expect(errorCode(await asAdmin.call(RemoveMemberDocument, { c: group, u: owner.id }))).toBe('FORBIDDEN');
    const removed = await asAdmin.call(RemoveMemberDocument, { c: group, u: member.id });
    expect(removed.errors).toBeUndefined();
    expect(rolesOf(removed.data!.removeMember.members)).toEqual({ [owner.id]: 'OWNER', [admin.id]: 'ADMIN', [otherAdmin.id]: 'ADMIN' });
  });

  it('refuses a MEMBER removing anyone with FORBIDDEN and removes nobody', async () => {
    const [owner, member, other] = await people('owner', 'member', 'other');
    const group = await chatAs(stack, owner).create('GROUP', [member, other]);
    expect(errorCode(await chatAs(stack, member).call(RemoveMemberDocument, { c: group, u: other.id }))).toBe('FORBIDDEN');
    expect(errorCode(await chatAs(stack, member).call(RemoveMemberDocument, { c: group, u: owner.id }))).toBe('FORBIDDEN');
    const { data } = await chatAs(stack, owner).conversation(group);
    expect(data!.conversation!.members).toHaveLength(3);
  });

  it('lets an OWNER remove an ADMIN and another OWNER, and treats removing a non-member as a no-op', async () => {
    const [owner, admin, coOwner, outsider] = await people('owner', 'admin', 'coowner', 'outsider');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [admin, coOwner]);
    await chat.call(SetMemberRoleDocument, { c: group, u: admin.id, r: 'ADMIN' });
    await chat.call(SetMemberRoleDocument, { c: group, u: coOwner.id, r: 'OWNER' });

    expect((await chat.call(RemoveMemberDocument, { c: group, u: admin.id })).errors).toBeUndefined();
    expect((await chat.call(RemoveMemberDocument, { c: group, u: coOwner.id })).errors).toBeUndefined();
    const noop = await chat.call(RemoveMemberDocument, { c: group, u: outsider.id });
    expect(noop.errors).toBeUndefined();
    expect(rolesOf(noop.data!.removeMember.members)).toEqual({ [owner.id]: 'OWNER' });
  });

  it('refuses removing oneself with BAD_USER_INPUT (that is leaving)', async () => {
    const [owner, bob] = await people('owner', 'bob');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [bob]);
    const response = await chat.call(RemoveMemberDocument, { c: group, u: owner.id });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/leaveConversation/);
  });

  it('shuts a removed member out of the conversation at once, whichever way they try', async () => {
    const [owner, bob] = await people('owner', 'bob');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [bob]);
    const message = await chat.send(group, 'before the removal');
    await chat.call(RemoveMemberDocument, { c: group, u: bob.id });
    const asBob = chatAs(stack, bob);

    expect(errorCode(await asBob.conversation(group))).toBe('FORBIDDEN');
    expect(errorCode(await asBob.message(message.id))).toBe('FORBIDDEN');
    expect(errorCode(await asBob.call(MessageIdsSinceDocument, { c: group }))).toBe('FORBIDDEN');
    expect(errorCode(await asBob.call(SearchMessageIdsDocument, { query: 'removal', c: group }))).toBe('FORBIDDEN');
    expect((await asBob.call(SearchMessageIdsDocument, { query: 'removal' })).data?.searchMessages).toEqual([]);
    expect(errorCode(await asBob.trySend(group, 'let me back in'))).toBe('FORBIDDEN');
    expect((await chat.conversation(group)).data?.conversation?.lastSeq).toBe(1);
  });

  it('sends a removed member no more messageAdded or messageUpdated events, while the others still get them', async () => {
    const [owner, bob, carol] = await people('owner', 'bob', 'carol');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [bob, carol]);
    const direct = await chat.create('DIRECT', [bob]);
    const original = await chat.send(group, 'will be edited');

    const bobSocket = wsClient(stack.wsUrl, bob.accessToken);
    const carolSocket = wsClient(stack.wsUrl, carol.accessToken);
    const bobAdded = subscribe(bobSocket, MessageAddedTextDocument);
    const bobUpdated = subscribe(bobSocket, MessageUpdatedTextDocument);
    const carolAdded = subscribe(carolSocket, MessageAddedTextDocument);
    const carolUpdated = subscribe(carolSocket, MessageUpdatedTextDocument);
    await Promise.all([
      stack.waitForSubscribers(bob.id),
      stack.waitForSubscribers(bob.id, 1, 'messageUpdated'),
      stack.waitForSubscribers(carol.id),
      stack.waitForSubscribers(carol.id, 1, 'messageUpdated'),
    ]);

    // While Bob is a member he hears about the group.
    await chat.send(group, 'hello both');
    expect((await bobAdded.next()).data?.messageAdded).toEqual({ conversationId: group, text: 'hello both' });
    expect((await carolAdded.next()).data?.messageAdded.text).toBe('hello both');

    expect((await chat.call(RemoveMemberDocument, { c: group, u: bob.id })).errors).toBeUndefined();
    await chat.send(group, 'after bob left');
    await chat.call(EditMessageTextDocument, { id: original.id, text: 'edited after bob left' });
    expect((await carolAdded.next()).data?.messageAdded.text).toBe('after bob left');
    expect((await carolUpdated.next()).data?.messageUpdated).toMatchObject({ id: original.id, text: 'edited after bob left' });

    // The next events Bob gets are from the conversation he is still in: the group's were never delivered.
    const directMessage = await chat.send(direct, 'just for bob');
    await chat.call(EditMessageTextDocument, { id: directMessage.id, text: 'just for bob, edited' });
    expect((await bobAdded.next()).data?.messageAdded).toEqual({ conversationId: direct, text: 'just for bob' });
    expect((await bobUpdated.next()).data?.messageUpdated).toMatchObject({ conversationId: direct, text: 'just for bob, edited' });

    await Promise.all([bobAdded.close(), bobUpdated.close(), carolAdded.close(), carolUpdated.close()]);
    await Promise.all([bobSocket.dispose(), carolSocket.dispose()]);
  });
});

describe('leaving', () => {
  it('lets a member leave, after which they can no longer read the conversation', async () => {
    const [owner, bob] = await people('owner', 'bob');
    const group = await chatAs(stack, owner).create('GROUP', [bob]);
    const left = await chatAs(stack, bob).call(LeaveConversationDocument, { c: group });
    expect(left.data?.leaveConversation).toBe(true);
    expect(errorCode(await chatAs(stack, bob).conversation(group))).toBe('FORBIDDEN');
    expect(rolesOf((await chatAs(stack, owner).conversation(group)).data!.conversation!.members)).toEqual({ [owner.id]: 'OWNER' });
  });

  it('keeps the last OWNER from leaving or stepping down while others remain (CONFLICT) until they hand over', async () => {
    const [owner, bob] = await people('owner', 'bob');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', [bob]);

    const leave = await chat.call(LeaveConversationDocument, { c: group });
    expect(errorCode(leave)).toBe('CONFLICT');
    expect(leave.errors?.[0]?.message).toMatch(/owner/i);
    expect(errorCode(await chat.call(SetMemberRoleDocument, { c: group, u: owner.id, r: 'ADMIN' }))).toBe('CONFLICT');
    expect((await chat.conversation(group)).data?.conversation?.myRole).toBe('OWNER');

    await chat.call(SetMemberRoleDocument, { c: group, u: bob.id, r: 'OWNER' });
    expect((await chat.call(LeaveConversationDocument, { c: group })).data?.leaveConversation).toBe(true);
    expect(rolesOf((await chatAs(stack, bob).conversation(group)).data!.conversation!.members)).toEqual({ [bob.id]: 'OWNER' });
  });

  it('lets only one of two owners leaving at once go, so an owner always remains', async () => {
    const [first, second, member] = await people('first', 'second', 'member');
    const chat = chatAs(stack, first);
    const group = await chat.create('GROUP', [second, member]);
    await chat.call(SetMemberRoleDocument, { c: group, u: second.id, r: 'OWNER' });

    const results = await Promise.all([
      chat.call(LeaveConversationDocument, { c: group }),
      chatAs(stack, second).call(LeaveConversationDocument, { c: group }),
    ]);
    expect(results.map((r) => r.data?.leaveConversation ?? errorCode(r)).sort()).toEqual(['CONFLICT', true].sort());
    const { data } = await chatAs(stack, member).conversation(group);
    expect(Object.values(rolesOf(data!.conversation!.members)).sort()).toEqual(['MEMBER', 'OWNER']);
  });

  it('lets the last member leave and keeps the conversation, reachable by nobody', async () => {
    const [owner] = await people('owner');
    const chat = chatAs(stack, owner);
    const group = await chat.create('GROUP', []);
    expect((await chat.call(LeaveConversationDocument, { c: group })).data?.leaveConversation).toBe(true);
    // FORBIDDEN, not NOT_FOUND: the conversation is still there, with nobody in it.
    expect(errorCode(await chat.conversation(group))).toBe('FORBIDDEN');
  });
});

describe('direct conversations', () => {
  it('refuses adding, removing, role changes and leaving with BAD_USER_INPUT', async () => {
    const [alice, bob, carol] = await people('alice', 'bob', 'carol');
    const chat = chatAs(stack, alice);
    const direct = await chat.create('DIRECT', [bob]);
    const attempts = [
      await chat.call(AddMembersDocument, { c: direct, u: [carol.id] }),
      await chat.call(RemoveMemberDocument, { c: direct, u: bob.id }),
      await chat.call(SetMemberRoleDocument, { c: direct, u: bob.id, r: 'ADMIN' }),
      await chat.call(LeaveConversationDocument, { c: direct }),
    ];
    for (const attempt of attempts) {
      expect(errorCode(attempt)).toBe('BAD_USER_INPUT');
      expect(attempt.errors?.[0]?.message).toMatch(/direct conversation/i);
    }
    expect(Object.keys(rolesOf((await chat.conversation(direct)).data!.conversation!.members)).sort()).toEqual([alice.id, bob.id].sort());
  });
});

describe('channels', () => {
  it('lets only OWNERs and ADMINs post: a MEMBER gets FORBIDDEN and nothing is stored', async () => {
    const [owner, admin, reader] = await people('owner', 'admin', 'reader');
    const chat = chatAs(stack, owner);
    const channel = await chat.create('CHANNEL', [admin, reader], 'News');
    await chat.call(SetMemberRoleDocument, { c: channel, u: admin.id, r: 'ADMIN' });

    await chat.send(channel, 'from the owner');
    await chatAs(stack, admin).send(channel, 'from an admin');
    const refused = await chatAs(stack, reader).trySend(channel, 'from a reader');
    expect(errorCode(refused)).toBe('FORBIDDEN');

    const history = await chatAs(stack, reader).call(MessagesSinceViewDocument, { c: channel });
    expect(history.data?.messagesSince.map((m) => m.text)).toEqual(['from the owner', 'from an admin']);
  });

  it('lets MEMBERs react, but not edit a post they made before being demoted (FORBIDDEN)', async () => {
    const [owner, former, reader] = await people('owner', 'former', 'reader');
    const chat = chatAs(stack, owner);
    const channel = await chat.create('CHANNEL', [former, reader], 'News');
    await chat.call(SetMemberRoleDocument, { c: channel, u: former.id, r: 'ADMIN' });
    const post = await chatAs(stack, former).send(channel, 'posted as an admin');
    await chat.call(SetMemberRoleDocument, { c: channel, u: former.id, r: 'MEMBER' });

    expect(errorCode(await chatAs(stack, former).call(EditMessageTextDocument, { id: post.id, text: 'posted as a member' }))).toBe(
      'FORBIDDEN',
    );
    const reaction = await chatAs(stack, reader).call(AddReactionCountsDocument, { id: post.id, emoji: '👏' });
    expect(reaction.data?.addReaction).toEqual({ text: 'posted as an admin', reactions: [{ emoji: '👏', count: 1 }] });
  });
});
