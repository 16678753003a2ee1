import { AuditLog, CONVERSATION_ACTIONS, ForbiddenError, type EntityManager, type Viewer } from '@chirpchat/kit';
import { MemberRole } from '../entities/member-role.enum.js';
import type { AuditEvent } from '../types/audit-event.type.js';
import type { MembershipService } from './membership.service.js';

/** What a conversation's owners may read of the audit trail: its membership and moderation events. */
export class ConversationAuditService {
  constructor(private readonly membership: MembershipService) {}

  /**
   * Members added, removed and leaving, role changes and deletions for everyone, newest first.
   * Addresses and User-Agents are other people's personal data: the owner sees only their own.
   * @throws NotFoundError, ForbiddenError (not a member, or not an OWNER); BadUserInputError for
   *   `first` outside 1–100 or an unknown `before`
   */
  async list(em: EntityManager, viewer: Viewer, conversationId: string, first: number, before?: string | null): Promise<AuditEvent[]> {
    const { member } = await this.membership.require(em, conversationId, viewer.id);
    if (member.role !== MemberRole.OWNER) throw new ForbiddenError('Only owners see the activity of a conversation.');
    const records = await AuditLog.list(em, { actions: CONVERSATION_ACTIONS, conversationId, first, before });
    return records.map((record) => {
      const own = record.actorId === viewer.id;
      return {
        ...record,
        role: typeof record.detail.role === 'string' ? record.detail.role : null,
        address: own ? record.address : null,
        userAgent: own ? record.userAgent : null,
      };
    });
  }
}
