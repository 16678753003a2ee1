import { BadUserInputError, ForbiddenError, isUniqueViolation, type EntityManager, type Viewer } from '@chirpchat/kit';
import { ConversationKind } from '../entities/conversation-kind.enum.js';
import { Conversation } from '../entities/conversation.entity.js';
import { Member } from '../entities/member.entity.js';
import { MemberRole } from '../entities/member-role.enum.js';
import type { CreateConversationInput } from '../inputs/create-conversation.input.js';
import type { ConversationConnection } from '../types/conversation-connection.type.js';
import type { MembershipService } from './membership.service.js';
import { decodeConversationCursor, encodeConversationCursor, pageSize } from './paging.js';
import type { UsersPeer } from '../peers/users.js';

const MAX_MEMBERS = 256;
const MAX_TITLE = 100;
const MAX_PAGE = 100;

/** Creating conversations and listing the viewer's. */
export class ConversationService {
  constructor(
    private readonly membership: MembershipService,
    private readonly users: UsersPeer,
  ) {}

  /**
   * Creates a conversation with the caller as OWNER. A DIRECT conversation with the same
   * person is returned instead of made twice, even when both people create it at once.
   * @param authorization the caller's own Authorization value, to look the members up as them
   * @throws BadUserInputError for a wrong title or member list, naming unknown user ids
   */
  async create(em: EntityManager, viewer: Viewer, input: CreateConversationInput, authorization: string | null): Promise<Conversation> {
    const memberIds = [...new Set(input.memberIds.map((id) => id.trim()))].filter((id) => id !== viewer.id);
    const title = this.checkTitle(input.kind, input.title);
    if (input.kind === ConversationKind.DIRECT && memberIds.length !== 1) {
      throw new BadUserInputError('A direct conversation needs exactly one other person in memberIds.', 'memberIds');
    }
    if (memberIds.length > MAX_MEMBERS) {
      throw new BadUserInputError(`A conversation can start with at most ${MAX_MEMBERS} other members.`, 'memberIds');
    }
    if (memberIds.some((id) => id === '')) throw new BadUserInputError('memberIds must not contain empty ids.', 'memberIds');

    const directKey = input.kind === ConversationKind.DIRECT ? [viewer.id, memberIds[0]!].sort().join(':') : null;
    if (directKey) {
      const existing = await em.findOne(Conversation, { directKey });
      if (existing) return existing;
    }
    const unknown = await this.users.unknownIds(memberIds, authorization);
    if (unknown.length > 0) {
      const list = unknown.map((id) => `"${id}"`).join(', ');
      throw new BadUserInputError(`These memberIds name no user: ${list}. Remove them or fix them.`, 'memberIds');
    }

    const conversation = Object.assign(new Conversation(), { kind: input.kind, title, directKey });
    const members = [viewer.id, ...memberIds].map((userId) =>
      Object.assign(new Member(), {
        conversationId: conversation.id,
        userId,
        role: userId === viewer.id ? MemberRole.OWNER : MemberRole.MEMBER,
        joinedAt: conversation.createdAt,
      }),
    );
    try {
      // Native inserts: a failed attempt leaves nothing behind in the request's unit of work.
      await em.transactional(async (tx) => {
        await tx.insert(conversation);
        await tx.insertMany(members);
      });
    } catch (error) {
      if (!directKey || !isUniqueViolation(error)) throw error;
      const existing = await em.fork().findOne(Conversation, { directKey });
      if (!existing) throw error;
      return em.merge(existing);
    }
    em.merge(conversation);
    for (const member of members) em.merge(member);
    return conversation;
  }

  /**
   * A page of the viewer's conversations, latest activity first; `after` continues towards
   * older activity.
   */
  async list(
    em: EntityManager,
    viewer: Viewer,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<ConversationConnection> {
    const size = pageSize(first, 30, MAX_PAGE);
    const from = after ? decodeConversationCursor(after, 'after') : null;
    const rows = await em.execute(
      `select c.* from "chat"."conversation" c
         join "chat"."member" m on m."conversation_id" = c."id" and m."user_id" = ?
        where ${from ? `(coalesce(c."last_message_at", c."created_at"), c."id") < (?::timestamptz, ?::uuid)` : 'true'}
        order by coalesce(c."last_message_at", c."created_at") desc, c."id" desc
        limit ?`,
      from ? [viewer.id, from.activityAt.toISOString(), from.id, size + 1] : [viewer.id, size + 1],
    );
    const conversations = rows.slice(0, size).map((row) => em.map(Conversation, row));
    const edges = conversations.map((node) => ({
      node,
      cursor: encodeConversationCursor({ activityAt: node.lastMessageAt ?? node.createdAt, id: node.id }),
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > size,
        hasPreviousPage: from !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /** @throws NotFoundError or ForbiddenError unless the viewer is a member */
  async get(em: EntityManager, viewer: Viewer, id: string): Promise<Conversation> {
    return (await this.membership.require(em, id, viewer.id)).conversation;
  }

  /** @throws ForbiddenError when the user is not (or no longer) a member */
  async roleOf(em: EntityManager, conversationId: string, userId: string): Promise<MemberRole> {
    const member = await this.membership.find(em, conversationId, userId);
    if (!member) throw new ForbiddenError('You are not a member of this conversation.');
    return member.role;
  }

  private checkTitle(kind: ConversationKind, given: string | null | undefined): string | null {
    if (kind === ConversationKind.DIRECT) {
      if (given != null) throw new BadUserInputError('A direct conversation has no title: leave title out.', 'title');
      return null;
    }
    const title = given?.trim() ?? '';
    if (title === '' && kind === ConversationKind.CHANNEL) throw new BadUserInputError('A channel needs a title.', 'title');
    if ([...title].length > MAX_TITLE) throw new BadUserInputError(`A title can have at most ${MAX_TITLE} characters.`, 'title');
    return title === '' ? null : title;
  }
}
