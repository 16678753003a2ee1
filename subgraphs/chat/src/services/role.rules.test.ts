import { describe, expect, it } from 'vitest';
import { ConversationKind } from '../entities/conversation-kind.enum.js';
import { MemberRole } from '../entities/member-role.enum.js';
import { canAddMembers, canChangeRoles, canDeleteOthersMessages, canPost, canRemoveMember, hasManagedMembers } from './role.rules.js';

const { OWNER, ADMIN, MEMBER } = MemberRole;
const { DIRECT, GROUP, CHANNEL } = ConversationKind;
const roles = [OWNER, ADMIN, MEMBER];

/** Who, of OWNER, ADMIN and MEMBER, a rule lets through. */
const allowed = (rule: (role: MemberRole) => boolean) => roles.filter(rule);

describe('role rules', () => {
  it('manages members in groups and channels, never in direct conversations', () => {
    expect([DIRECT, GROUP, CHANNEL].filter(hasManagedMembers)).toEqual([GROUP, CHANNEL]);
  });

  it('lets OWNERs and ADMINs add members', () => {
    expect(allowed(canAddMembers)).toEqual([OWNER, ADMIN]);
  });

  it('lets OWNERs remove anyone and ADMINs remove plain MEMBERs only', () => {
    expect(allowed((target) => canRemoveMember(OWNER, target))).toEqual([OWNER, ADMIN, MEMBER]);
    expect(allowed((target) => canRemoveMember(ADMIN, target))).toEqual([MEMBER]);
    expect(allowed((target) => canRemoveMember(MEMBER, target))).toEqual([]);
  });

  it('lets only OWNERs change roles', () => {
    expect(allowed(canChangeRoles)).toEqual([OWNER]);
  });

  it('lets everyone post in direct and group conversations, only OWNERs and ADMINs in a channel', () => {
    expect(allowed((role) => canPost(DIRECT, role))).toEqual(roles);
    expect(allowed((role) => canPost(GROUP, role))).toEqual(roles);
    expect(allowed((role) => canPost(CHANNEL, role))).toEqual([OWNER, ADMIN]);
  });

  it('lets OWNERs and ADMINs of groups and channels delete others’ messages, and nobody in a direct conversation', () => {
    expect(allowed((role) => canDeleteOthersMessages(DIRECT, role))).toEqual([]);
    expect(allowed((role) => canDeleteOthersMessages(GROUP, role))).toEqual([OWNER, ADMIN]);
    expect(allowed((role) => canDeleteOthersMessages(CHANNEL, role))).toEqual([OWNER, ADMIN]);
  });
});
