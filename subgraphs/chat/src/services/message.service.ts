import { raw } from '@mikro-orm/core';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  isUniqueViolation,
  NotFoundError,
  type EntityManager,
  type Viewer,
} from '@chirpchat/kit';
import type { Conversation } from '../entities/conversation.entity.js';
import type { ConversationKind } from '../entities/conversation-kind.enum.js';
import type { MemberRole } from '../entities/member-role.enum.js';
import { Message } from '../entities/message.entity.js';
import type { SendMessageInput } from '../inputs/send-message.input.js';
import type { MessageConnection } from '../types/message-connection.type.js';
import { isUuid } from './ids.js';
import type { MembershipService } from './membership.service.js';
import type { MediaDirectoryService } from './media-directory.service.js';
import type { MentionService } from './mention.service.js';
import type { MessageEventsService } from './message-events.service.js';
import type { MessageSentService } from './message-sent.service.js';
import { mentionTokens } from './mention.rules.js';
import { normalizeMessageBody } from './message.rules.js';
import { decodeMessageCursor, encodeMessageCursor, pageSize } from './paging.js';
import { canPost } from './role.rules.js';

const MAX_CLIENT_ID = 64;
const MAX_PAGE = 100;
const MAX_SINCE = 500;

/** What a send stores besides its place, sender and clientId, once checked. */
interface StoredBody {
  text: string | null;
  mediaIds: string[];
  replyToId: string | null;
  mentionIds: string[];
}

/** The row the seq bump returns: the new seq and what the "message sent" job needs. */
interface Bumped {
  kind: ConversationKind;
  title: string | null;
  last_seq: number;
  last_message_at: Date;
  role: MemberRole;
  recipient_ids: string[];
}

/** Rolls a send's transaction back when the sender may not post (see MessageService.store). */
class NotStored extends Error {}

/** Which part of the history a page covers; see API.md, "Paging". */
export interface PageRequest {
  first?: number | null;
  before?: string | null;
  after?: string | null;
}

/** Sending messages and reading a conversation's history. */
export class MessageService {
  constructor(
    private readonly membership: MembershipService,
    private readonly events: MessageEventsService,
    private readonly mentions: MentionService,
    private readonly sent: MessageSentService,
    private readonly media: MediaDirectoryService,
  ) {}

  /**
   * Stores a message with the next `seq` and tells the members, after the commit. The same
   * (sender, clientId) again returns the first message unchanged: no new seq, no event.
   * `replyToId` must name a message of the same conversation that is not deleted; `@username`s
   * of members become `mentions` (see MentionService).
   *
   * `mediaIds` (at most 10, each once) must be files the sender uploaded for this conversation
   * that have finished uploading and not failed, as the media subgraph answers the sender (see
   * `checkUsableMedia`); with files, the text may be left out. A file belongs to one message: one
   * already attached to another is refused, so deleting one message never takes another
   * message's files with it. (A tombstone holds no ids; its files are queued for deletion.)
   *
   * The durable "message sent" event for notifications is enqueued in the same transaction.
   * Before the commit the users subgraph is asked only about `@words` and the media subgraph
   * only about `mediaIds`: both decide whether the send is refused. Nothing else crosses to
   * another subgraph on the way (the push's sender name is notifications' to look up).
   * @param authorization the caller's own Authorization value, to look mentioned usernames and
   *   their files up as them
   * @throws BadUserInputError (nothing stored; also when files are sent to a chat subgraph without
   *   a media subgraph), NotFoundError, ForbiddenError (not a member, or a plain MEMBER posting in
   *   a CHANNEL), or ConflictError when the clientId was already used in another conversation or
   *   a file is already attached to another message
   */
  async send(em: EntityManager, viewer: Viewer, input: SendMessageInput, authorization: string | null): Promise<Message> {
    const clientId = input.clientId.trim();
    if (clientId.length === 0 || clientId.length > MAX_CLIENT_ID) {
      throw new BadUserInputError(`clientId must have 1 to ${MAX_CLIENT_ID} characters.`, 'clientId');
    }
    const { text, mediaIds } = normalizeMessageBody(input.text, input.mediaIds);
    if (!isUuid(input.conversationId)) throw new NotFoundError('There is no conversation with this id.');
    const conversationId = input.conversationId;

    let body: StoredBody = { text, mediaIds, replyToId: null, mentionIds: [] };
    // A plain text asks nobody anything, so it is checked by the transaction itself (see store).
    // Mentions, a reply or files need reads and calls first, and those only for a member who may post.
    const plain = mediaIds.length === 0 && input.replyToId == null && (text === null || mentionTokens(text).length === 0);
    if (!plain) {
      const earlier = await this.refusal(em, viewer, conversationId, clientId);
      if (earlier) return earlier;
      // The media subgraph is asked alongside the checks, and before the transaction: no row lock waits on it.
      const [, replyToId, mentionIds] = await Promise.all([
        this.media.requireUsable(mediaIds, viewer, conversationId, authorization, 'mediaIds'),
        this.replyTarget(em, conversationId, input.replyToId),
        text === null ? [] : this.mentions.resolve(em, conversationId, text, authorization),
      ]);
      body = { text, mediaIds, replyToId, mentionIds };
    }

    let message: Message | null;
    try {
      message = await this.store(em, viewer, conversationId, clientId, body);
      if (message === null) {
        // Not stored: say why as the checks would have (or answer a retry with its first message).
        const earlier = await this.refusal(em, viewer, conversationId, clientId);
        if (earlier) return earlier;
        // The checks pass now: the sender joined, or became an admin, just meanwhile.
        message = await this.store(em, viewer, conversationId, clientId, body);
        if (message === null) throw new ForbiddenError('You are not a member of this conversation.');
      }
    } catch (error) {
      // A retry with the same clientId (at the same time or later) was first: the rollback returned our seq, so answer with theirs.
      if (!isUniqueViolation(error)) throw error;
      const first = await em.fork().findOne(Message, { senderId: viewer.id, clientId });
      if (!first) throw error;
      return this.sameConversation(em.merge(first), conversationId);
    }
    em.merge(message);
    this.sent.announce();
    await this.events.publishAdded(message);
    return message;
  }

  /**
   * The one transaction of a send: bump the conversation's seq, insert the row, enqueue the
   * "message sent" job. The bump is also the check: it joins the sender's membership, so a
   * non-member bumps nothing, and a plain MEMBER of a CHANNEL rolls it back. A plain text (no
   * files) takes one statement for all of it; files take three, because the check that no other
   * message holds them must come after the row lock (see requireUnattached).
   * @returns the committed message, or null when the sender may not post there (nothing stored)
   * @throws the unique violation of (sender, clientId) when that clientId was already used
   */
  private async store(
    em: EntityManager,
    viewer: Viewer,
    conversationId: string,
    clientId: string,
    body: StoredBody,
  ): Promise<Message | null> {
    const stored = Object.assign(new Message(), { conversationId, clientId, senderId: viewer.id, ...body });
    const platform = em.getPlatform();
    const mentionIds = platform.marshallArray([...body.mentionIds]);
    try {
      return await em.transactional(async (tx) => {
        // The row lock taken here queues concurrent senders, so seqs come out 1, 2, 3 … with no gaps.
        const bump = `update "chat"."conversation" c set "last_seq" = c."last_seq" + 1, "last_message_at" = clock_timestamp()
            from "chat"."member" m where c."id" = ? and m."conversation_id" = c."id" and m."user_id" = ?
            returning c."kind", c."title", c."last_seq", c."last_message_at", m."role",
              array(select r."user_id" from "chat"."member" r where r."conversation_id" = c."id" and r."user_id" <> m."user_id"
                order by r."joined_at", r."user_id") as "recipient_ids"`;
        let bumped: Bumped | undefined;
        if (body.mediaIds.length === 0) {
          [bumped] = await tx.execute<Bumped[]>(
            `with "bumped" as (${bump}),
               "stored" as (insert into "chat"."message"
                   ("id", "conversation_id", "seq", "client_id", "sender_id", "text", "created_at", "reply_to_id", "mention_ids", "media_ids")
                 select ?, ?, b."last_seq", ?, ?, ?, b."last_message_at", ?, ?::text[], '{}' from "bumped" b returning 1)
             select * from "bumped"`,
            [conversationId, viewer.id, stored.id, conversationId, clientId, viewer.id, body.text, body.replyToId, mentionIds],
          );
        } else {
          [bumped] = await tx.execute<Bumped[]>(bump, [conversationId, viewer.id]);
        }
        if (!bumped || !canPost(bumped.kind, bumped.role)) throw new NotStored();
        Object.assign(stored, { seq: bumped.last_seq, createdAt: new Date(bumped.last_message_at) });
        if (body.mediaIds.length > 0) {
          // Every message that can hold these files is in this conversation, so the row lock above also
          // orders concurrent sends of the same file: the later one sees the earlier one's row here.
          await this.requireUnattached(tx, body.mediaIds);
          await tx.insert(stored);
        }
        await this.sent.enqueue(tx, { id: conversationId, kind: bumped.kind, title: bumped.title }, stored, bumped.recipient_ids);
        return stored;
      });
    } catch (error) {
      if (error instanceof NotStored) return null;
      throw error;
    }
  }

  /**
   * Why a send would be refused, checked as its rules go: the conversation exists, the sender is
   * in it, a retry gets its first message, a plain MEMBER does not post in a CHANNEL.
   * @returns the first message of this (sender, clientId), or null when the send may go ahead
   * @throws NotFoundError, ForbiddenError or ConflictError (see send)
   */
  private async refusal(em: EntityManager, viewer: Viewer, conversationId: string, clientId: string): Promise<Message | null> {
    const { conversation, member } = await this.membership.require(em, conversationId, viewer.id);
    const earlier = await em.findOne(Message, { senderId: viewer.id, clientId });
    if (earlier) return this.sameConversation(earlier, conversation.id);
    if (!canPost(conversation.kind, member.role)) {
      throw new ForbiddenError('Only owners and admins post in a channel.');
    }
    return null;
  }

  /** @throws NotFoundError or ForbiddenError unless the viewer is in the message's conversation */
  async get(em: EntityManager, viewer: Viewer, id: string): Promise<Message> {
    const message = isUuid(id) ? await em.findOne(Message, id) : null;
    if (!message) throw new NotFoundError('There is no message with this id.');
    await this.membership.require(em, message.conversationId, viewer.id);
    return message;
  }

  /** The message when the viewer may see it, else null: for `_entities`. */
  async visible(em: EntityManager, viewer: Viewer, id: string): Promise<Message | null> {
    const message = isUuid(id) ? await em.findOne(Message, id) : null;
    if (!message || !(await this.membership.isMember(em, message.conversationId, viewer.id))) return null;
    return message;
  }

  /** The newest message the viewer has not hidden, if any (a tombstone counts). */
  async last(em: EntityManager, conversation: Conversation, viewerId: string): Promise<Message | null> {
    if (conversation.lastSeq === 0) return null;
    return em.findOne(Message, { conversationId: conversation.id, ...notHiddenFor(viewerId) }, { orderBy: { seq: 'desc' } });
  }

  /**
   * A page of history, ascending seq: the newest `first`, or the `first` just before or just
   * after a cursor. Messages the viewer hid for themselves are left out (cursors are seqs, so
   * paging stays stable around them). The caller has already checked membership.
   */
  async page(em: EntityManager, conversation: Conversation, viewerId: string, request: PageRequest): Promise<MessageConnection> {
    const size = pageSize(request.first, 50, MAX_PAGE);
    if (request.before != null && request.after != null) {
      throw new BadUserInputError('Pass either before or after, not both.', 'before');
    }
    const before = request.before != null ? decodeMessageCursor(request.before, 'before') : null;
    const after = request.after != null ? decodeMessageCursor(request.after, 'after') : null;
    const conversationId = conversation.id;

    let nodes: Message[];
    let hasPreviousPage: boolean;
    let hasNextPage: boolean;
    if (after !== null) {
      const found = await em.find(
        Message,
        { conversationId, seq: { $gt: after }, ...notHiddenFor(viewerId) },
        { orderBy: { seq: 'asc' }, limit: size + 1 },
      );
      nodes = found.slice(0, size);
      hasNextPage = found.length > size;
      hasPreviousPage = await this.exists(em, conversationId, viewerId, '<', nodes[0]?.seq ?? after + 1);
    } else {
      const found = await em.find(
        Message,
        { conversationId, ...(before !== null ? { seq: { $lt: before } } : {}), ...notHiddenFor(viewerId) },
        { orderBy: { seq: 'desc' }, limit: size + 1 },
      );
      nodes = found.slice(0, size).reverse();
      hasPreviousPage = found.length > size;
      hasNextPage = before !== null && (await this.exists(em, conversationId, viewerId, '>', nodes.at(-1)?.seq ?? before - 1));
    }
    const edges = nodes.map((node) => ({ node, cursor: encodeMessageCursor(node.seq) }));
    return {
      edges,
      pageInfo: { hasPreviousPage, hasNextPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  /**
   * What a client missed: messages after `afterSeq`, ascending, at most `first`. Gap-free: this
   * includes messages the viewer hid for themselves (marked `hiddenForMe`), so a client can tell
   * a hidden message from a lost event.
   * @throws BadUserInputError, NotFoundError or ForbiddenError
   */
  async since(
    em: EntityManager,
    viewer: Viewer,
    conversationId: string,
    afterSeq: number,
    first: number | null | undefined,
  ): Promise<Message[]> {
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new BadUserInputError('afterSeq must be 0 or more.', 'afterSeq');
    const size = pageSize(first, 200, MAX_SINCE);
    await this.membership.require(em, conversationId, viewer.id);
    return em.find(Message, { conversationId, seq: { $gt: afterSeq } }, { orderBy: { seq: 'asc' }, limit: size });
  }

  private sameConversation(message: Message, conversationId: string): Message {
    if (message.conversationId !== conversationId) {
      throw new ConflictError('This clientId was already used for a message in another conversation: use a new clientId.', 'clientId');
    }
    return message;
  }

  /**
   * The id a reply points at, checked: a message of the same conversation, not deleted.
   * @throws BadUserInputError (field `replyToId`)
   */
  private async replyTarget(em: EntityManager, conversationId: string, replyToId: string | null | undefined): Promise<string | null> {
    if (replyToId == null) return null;
    const target = isUuid(replyToId) ? await em.findOne(Message, { id: replyToId, conversationId }) : null;
    if (!target) throw new BadUserInputError('replyToId must be a message in this conversation.', 'replyToId');
    if (target.deletedAt) throw new BadUserInputError('That message was deleted: reply to another one.', 'replyToId');
    return target.id;
  }

  /**
   * Refuses files that another message already holds (through the `media_ids` GIN index).
   * @throws ConflictError (field `mediaIds`)
   */
  private async requireUnattached(tx: EntityManager, mediaIds: readonly string[]): Promise<void> {
    const [taken] = await tx.execute<Array<{ id: string }>>(`select "id" from "chat"."message" where "media_ids" && ?::text[] limit 1`, [
      tx.getPlatform().marshallArray([...mediaIds]),
    ]);
    if (taken) {
      throw new ConflictError('A file in mediaIds is already attached to another message: upload it again to send it again.', 'mediaIds');
    }
  }

  /** Whether any message the viewer has not hidden lies beyond `seq` in the given direction. */
  private async exists(em: EntityManager, conversationId: string, viewerId: string, direction: '<' | '>', seq: number): Promise<boolean> {
    const [row] = await em.execute<Array<{ found: boolean }>>(
      `select exists (select 1 from "chat"."message" m where m."conversation_id" = ? and m."seq" ${direction} ?
          and not exists (select 1 from "chat"."hidden_message" h where h."user_id" = ? and h."message_id" = m."id")) as "found"`,
      [conversationId, seq, viewerId],
    );
    return row?.found === true;
  }
}

/** A `find` condition that leaves out the messages `viewerId` hid for themselves. */
function notHiddenFor(viewerId: string) {
  return {
    [raw(
      (alias) => `not exists (select 1 from "chat"."hidden_message" h where h."user_id" = ? and h."message_id" = ${alias}."id")`,
      [viewerId],
    )]: true,
  };
}
