import { ConversationKind } from '../entities/conversation-kind.enum.js';
import { MemberRole } from '../entities/member-role.enum.js';

/**
 * Who may do what in a GROUP or CHANNEL, by role. DIRECT conversations have two OWNERs and no
 * member management at all (no add, remove, role change or leave).
 *
 * | action                                   | OWNER | ADMIN         | MEMBER |
 * |------------------------------------------|-------|---------------|--------|
 * | add members                              | yes   | yes           | no     |
 * | remove a MEMBER                          | yes   | yes           | no     |
 * | remove an ADMIN or OWNER                 | yes   | no            | no     |
 * | change anyone's role (incl. own)         | yes   | no            | no     |
 * | post, or edit own posts, in a CHANNEL    | yes   | yes           | no     |
 * | delete others' messages for everyone     | yes   | yes           | no     |
 * | leave                                    | yes¹  | yes           | yes    |
 *
 * ¹ The last OWNER cannot leave or give up the role while anyone else remains: they hand
 * ownership to someone first. Nobody removes themself (that is leaving).
 */

const MANAGERS = new Set<MemberRole>([MemberRole.OWNER, MemberRole.ADMIN]);

/** Whether a conversation of this kind has member management at all. */
export function hasManagedMembers(kind: ConversationKind): boolean {
  return kind !== ConversationKind.DIRECT;
}

export function canAddMembers(role: MemberRole): boolean {
  return MANAGERS.has(role);
}

/** OWNERs remove anyone; ADMINs remove plain MEMBERs only. */
export function canRemoveMember(actor: MemberRole, target: MemberRole): boolean {
  return actor === MemberRole.OWNER || (actor === MemberRole.ADMIN && target === MemberRole.MEMBER);
}

export function canChangeRoles(role: MemberRole): boolean {
  return role === MemberRole.OWNER;
}

/** In a CHANNEL only OWNERs and ADMINs post; everyone posts in DIRECT and GROUP conversations. */
export function canPost(kind: ConversationKind, role: MemberRole): boolean {
  return kind !== ConversationKind.CHANNEL || MANAGERS.has(role);
}

/** Deleting someone else's message for everyone: OWNERs and ADMINs of groups and channels. */
export function canDeleteOthersMessages(kind: ConversationKind, role: MemberRole): boolean {
  return hasManagedMembers(kind) && MANAGERS.has(role);
}
