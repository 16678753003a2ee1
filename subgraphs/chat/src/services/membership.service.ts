import { ForbiddenError, NotFoundError, type EntityManager } from '@chirpchat/kit';
import { Conversation } from '../entities/conversation.entity.js';
import { Member } from '../entities/member.entity.js';
import { isUuid } from './ids.js';

/** A conversation together with the viewer's place in it. */
export interface Membership {
  conversation: Conversation;
  member: Member;
}

/**
 * The one rule every read, write, subscription and event goes through: only members see a
 * conversation and what is in it. Lookups use the (conversation, user) primary key.
 */
export class MembershipService {
  /** The user's membership, or null when they are not in the conversation. */
  find(em: EntityManager, conversationId: string, userId: string): Promise<Member | null> {
    if (!isUuid(conversationId)) return Promise.resolve(null);
    return em.findOne(Member, { conversationId, userId });
  }

  async isMember(em: EntityManager, conversationId: string, userId: string): Promise<boolean> {
    return (await this.find(em, conversationId, userId)) !== null;
  }

  /**
   * The conversation, when the user is in it.
   * @throws NotFoundError when it does not exist; ForbiddenError when the user is not a member
   */
  async require(em: EntityManager, conversationId: string, userId: string): Promise<Membership> {
    const conversation = isUuid(conversationId) ? await em.findOne(Conversation, conversationId) : null;
    if (!conversation) throw new NotFoundError('There is no conversation with this id.');
    const member = await this.find(em, conversationId, userId);
    if (!member) throw new ForbiddenError('You are not a member of this conversation.');
    return { conversation, member };
  }

  /** The conversation when the user is in it, else null: for `_entities`, which must not tell the two apart. */
  async visible(em: EntityManager, conversationId: string, userId: string): Promise<Conversation | null> {
    if (!(await this.isMember(em, conversationId, userId))) return null;
    return em.findOne(Conversation, conversationId);
  }

  /** Everyone in the conversation, earliest first. */
  members(em: EntityManager, conversationId: string): Promise<Member[]> {
    return em.find(Member, { conversationId }, { orderBy: { joinedAt: 'asc', userId: 'asc' } });
  }
}
