import {
  AuditAction,
  AuditLog,
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  type ClientInfo,
  type EntityManager,
  type Viewer,
} from '@chirpchat/kit';
import type { Conversation } from '../entities/conversation.entity.js';
import { MemberRole } from '../entities/member-role.enum.js';
import { Member } from '../entities/member.entity.js';
import type { MemberDirectory } from './member-directory.service.js';
import type { MembershipService } from './membership.service.js';
import { canAddMembers, canChangeRoles, canRemoveMember, hasManagedMembers } from './role.rules.js';
import type { UsersPeer } from '../peers/users.js';

/** How many people one addMembers call may name. */
export const ADD_MEMBERS_MAX = 256;

/** Everyone's role in a conversation, as read under its lock. */
type Roles = Map<string, MemberRole>;

const HAND_OVER = 'You are the last owner: make someone else an owner with setMemberRole first.';

/**
 * Changing who is in a group or channel and what they may do; the rules are in `role.rules.ts`.
 *
 * Every change runs in a transaction that first locks the conversation row and then reads all
 * roles, so two owners leaving at once cannot leave a conversation without one. A removal
 * takes effect at once: every read and every live event checks membership again.
 *
 * When the last member leaves, the conversation stays, with no members: nobody can reach it any
 * more, and its history is kept rather than deleted behind anybody's back.
 *
 * Each change that happened is audited (`member.added`, `member.removed`, `member.left`,
 * `member.role_changed`) in its own transaction, with the caller's `client`; a refused or
 * no-op change records nothing.
 */
export class MemberManagementService {
  constructor(
    private readonly membership: MembershipService,
    private readonly users: UsersPeer,
    private readonly directory: MemberDirectory,
  ) {}

  /**
   * Adds people as MEMBERs; those already in are left as they are.
   * @param authorization the caller's own Authorization value, to look the users up as them
   * @throws ForbiddenError unless the viewer is an OWNER or ADMIN; BadUserInputError for a
   *   DIRECT conversation, an empty or too long list, or ids that name no user (nothing added)
   */
  async addMembers(
    em: EntityManager,
    viewer: Viewer,
    conversationId: string,
    userIds: readonly string[],
    authorization: string | null,
    client: ClientInfo | null = null,
  ): Promise<Conversation> {
    const ids = [...new Set(userIds.map((id) => id.trim()))];
    if (ids.length === 0 || ids.includes('')) throw new BadUserInputError('Name at least one user, with no empty ids.', 'userIds');
    if (ids.length > ADD_MEMBERS_MAX) throw new BadUserInputError(`Add at most ${ADD_MEMBERS_MAX} people at a time.`, 'userIds');
    const { conversation } = await this.managed(em, viewer, conversationId);
    const unknown = await this.users.unknownIds(ids, authorization);
    if (unknown.length > 0) {
      const list = unknown.map((id) => `"${id}"`).join(', ');
      throw new BadUserInputError(`These userIds name no user: ${list}. Remove them or fix them.`, 'userIds');
    }
    await this.locked(em, conversationId, async (tx, roles) => {
      if (!canAddMembers(this.roleOf(roles, viewer.id))) throw new ForbiddenError('Only owners and admins add members.');
      const newcomers = ids.filter((id) => !roles.has(id));
      if (newcomers.length === 0) return;
      const joinedAt = new Date();
      const added = await tx.execute<Array<{ user_id: string }>>(
        // Newcomers start with both cursors at the latest message: the history they can now read
        // is not "unread" for them, and it does not fall back from READ to SENT for its senders.
        `insert into "chat"."member" ("conversation_id", "user_id", "role", "joined_at", "last_delivered_seq", "last_read_seq")
           select ?, "user_id", ?, ?, "c"."last_seq", "c"."last_seq"
             from unnest(?::text[]) as "user_id", "chat"."conversation" as "c" where "c"."id" = ?
           on conflict do nothing returning "user_id"`,
        // One array parameter: a plain JS array would be spread into a list of parameters.
        [conversationId, MemberRole.MEMBER, joinedAt, tx.getPlatform().marshallArray(newcomers), conversationId],
      );
      await AuditLog.record(
        tx,
        added.map((row) => ({ action: AuditAction.MEMBER_ADDED, actorId: viewer.id, targetUserId: row.user_id, conversationId, client })),
      );
    });
    return conversation;
  }

  /**
   * Takes someone out of the conversation; naming someone who is not in it is a no-op.
   * @throws ForbiddenError unless the viewer may remove that member (see `canRemoveMember`);
   *   BadUserInputError for a DIRECT conversation or for removing oneself (that is leaving)
   */
  async removeMember(
    em: EntityManager,
    viewer: Viewer,
    conversationId: string,
    userId: string,
    client: ClientInfo | null = null,
  ): Promise<Conversation> {
    const { conversation } = await this.managed(em, viewer, conversationId);
    if (userId === viewer.id) throw new BadUserInputError('To leave a conversation yourself, use leaveConversation.', 'userId');
    await this.locked(em, conversationId, async (tx, roles) => {
      const actor = this.roleOf(roles, viewer.id);
      if (actor === MemberRole.MEMBER) throw new ForbiddenError('Only owners and admins remove members.');
      const target = roles.get(userId);
      if (target === undefined) return;
      if (!canRemoveMember(actor, target)) throw new ForbiddenError('Admins remove members only; only owners remove admins and owners.');
      await this.deleteMember(tx, conversationId, userId);
      await AuditLog.record(tx, {
        action: AuditAction.MEMBER_REMOVED,
        actorId: viewer.id,
        targetUserId: userId,
        conversationId,
        client,
        detail: { role: target },
      });
    });
    return conversation;
  }

  /**
   * Gives a member a role. Only OWNERs change roles, their own included; the last OWNER cannot
   * give up the role while anyone else remains. Giving someone the role they have is a no-op.
   * @throws ForbiddenError unless the viewer is an OWNER; BadUserInputError for a DIRECT
   *   conversation or someone who is not a member; ConflictError for the last owner stepping down
   */
  async setRole(
    em: EntityManager,
    viewer: Viewer,
    conversationId: string,
    userId: string,
    role: MemberRole,
    client: ClientInfo | null = null,
  ): Promise<Member> {
    await this.managed(em, viewer, conversationId);
    const member = await this.locked(em, conversationId, async (tx, roles) => {
      if (!canChangeRoles(this.roleOf(roles, viewer.id))) throw new ForbiddenError('Only owners change roles.');
      const current = roles.get(userId);
      if (current === undefined) throw new BadUserInputError('This user is not a member of the conversation.', 'userId');
      if (current === MemberRole.OWNER && role !== MemberRole.OWNER && this.owners(roles) === 1) throw new ConflictError(HAND_OVER);
      if (current !== role) {
        await tx.execute(`update "chat"."member" set "role" = ? where "conversation_id" = ? and "user_id" = ?`, [
          role,
          conversationId,
          userId,
        ]);
        await AuditLog.record(tx, {
          action: AuditAction.MEMBER_ROLE_CHANGED,
          actorId: viewer.id,
          targetUserId: userId,
          conversationId,
          client,
          detail: { role, previousRole: current },
        });
      }
      const [row] = await tx.execute<Array<{ joined_at: Date }>>(
        `select "joined_at" from "chat"."member" where "conversation_id" = ? and "user_id" = ?`,
        [conversationId, userId],
      );
      return Object.assign(new Member(), { conversationId, userId, role, joinedAt: new Date(row!.joined_at) });
    });
    return em.merge(member);
  }

  /**
   * Leaves the conversation. The last OWNER leaves only as the last member, or after handing
   * ownership on; the last member leaving keeps the (now unreachable) conversation.
   * @throws BadUserInputError for a DIRECT conversation; ConflictError for the last owner
   */
  async leave(em: EntityManager, viewer: Viewer, conversationId: string, client: ClientInfo | null = null): Promise<boolean> {
    await this.managed(em, viewer, conversationId);
    await this.locked(em, conversationId, async (tx, roles) => {
      const role = this.roleOf(roles, viewer.id);
      if (role === MemberRole.OWNER && this.owners(roles) === 1 && roles.size > 1) throw new ConflictError(HAND_OVER);
      await this.deleteMember(tx, conversationId, viewer.id);
      await AuditLog.record(tx, { action: AuditAction.MEMBER_LEFT, actorId: viewer.id, targetUserId: viewer.id, conversationId, client });
    });
    return true;
  }

  /**
   * The conversation and the viewer's membership, for a kind that has member management.
   * @throws NotFoundError, ForbiddenError (not a member), BadUserInputError (DIRECT)
   */
  private async managed(em: EntityManager, viewer: Viewer, conversationId: string) {
    const membership = await this.membership.require(em, conversationId, viewer.id);
    if (!hasManagedMembers(membership.conversation.kind)) {
      throw new BadUserInputError(
        'A direct conversation always has its two people: members cannot be added, removed, promoted or leave.',
        'conversationId',
      );
    }
    return membership;
  }

  /**
   * Runs `work` in a transaction holding the conversation's row lock, with everyone's role as
   * it is under that lock. Afterwards the request's identity map is emptied: it may still hold
   * members as they were before (a lookup by primary key would not ask the database), and
   * everything read after this change must see it.
   */
  private async locked<T>(em: EntityManager, conversationId: string, work: (tx: EntityManager, roles: Roles) => Promise<T>): Promise<T> {
    const result = await em.transactional(async (tx) => {
      await tx.execute(`select 1 from "chat"."conversation" where "id" = ? for update`, [conversationId]);
      const rows = await tx.execute<Array<{ user_id: string; role: MemberRole }>>(
        `select "user_id", "role" from "chat"."member" where "conversation_id" = ?`,
        [conversationId],
      );
      return work(tx, new Map(rows.map((row) => [row.user_id, row.role])));
    });
    em.clear();
    // Live events stop reaching a removed member from now on, on this instance at once.
    await this.directory.changed(conversationId);
    return result;
  }

  /** The viewer's role under the lock. @throws ForbiddenError when they left or were removed meanwhile */
  private roleOf(roles: Roles, userId: string): MemberRole {
    const role = roles.get(userId);
    if (role === undefined) throw new ForbiddenError('You are not a member of this conversation.');
    return role;
  }

  private owners(roles: Roles): number {
    return [...roles.values()].filter((role) => role === MemberRole.OWNER).length;
  }

  private async deleteMember(tx: EntityManager, conversationId: string, userId: string): Promise<void> {
    await tx.execute(`delete from "chat"."member" where "conversation_id" = ? and "user_id" = ?`, [conversationId, userId]);
  }
}
