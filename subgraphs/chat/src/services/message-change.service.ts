import {
  AuditAction,
  AuditLog,
  BadUserInputError,
  ForbiddenError,
  NotFoundError,
  type ClientInfo,
  type EntityManager,
  type Viewer,
} from '@chirpchat/kit';
import { Message } from '../entities/message.entity.js';
import { isUuid } from './ids.js';
import type { MediaDeletionService } from './media-deletion.service.js';
import type { Membership, MembershipService } from './membership.service.js';
import type { MentionService } from './mention.service.js';
import type { MessageEventsService } from './message-events.service.js';
import { normalizeMessageText } from './message.rules.js';
import { canDeleteOthersMessages, canPost } from './role.rules.js';

/**
 * Changing messages after they were sent: editing, deleting for everyone (a tombstone), and
 * hiding for oneself. Changes visible to others are published as `messageUpdated` after the
 * commit; a bad request changes nothing.
 */
export class MessageChangeService {
  constructor(
    private readonly membership: MembershipService,
    private readonly mentions: MentionService,
    private readonly events: MessageEventsService,
    private readonly mediaDeletion: MediaDeletionService,
  ) {}

  /**
   * Replaces the text, re-reads its mentions and sets `editedAt`. Only the sender edits, and in
   * a CHANNEL only while they may still post there.
   * @param authorization the caller's own Authorization value, to look mentioned usernames up as them
   * @throws ForbiddenError for someone else's message (admins included); BadUserInputError for
   *   a deleted message or text that breaks the send rules; NotFoundError for an unknown id
   */
  async edit(em: EntityManager, viewer: Viewer, id: string, text: string, authorization: string | null): Promise<Message> {
    const { message, membership } = await this.load(em, viewer, id);
    if (message.senderId !== viewer.id) throw new ForbiddenError('Only the sender can edit a message.');
    if (!canPost(membership.conversation.kind, membership.member.role)) {
      throw new ForbiddenError('Only owners and admins post in a channel, and that includes editing.');
    }
    if (message.deletedAt) throw new BadUserInputError('This message was deleted and cannot be edited.', 'id');
    const newText = normalizeMessageText(text);
    const mentionIds = await this.mentions.resolve(em, message.conversationId, newText, authorization);

    // The condition on deleted_at makes a delete that got in first win over this edit.
    const updated = await em.execute<Array<{ id: string }>>(
      `update "chat"."message" set "text" = ?, "mention_ids" = ?::text[], "edited_at" = clock_timestamp()
        where "id" = ? and "deleted_at" is null returning "id"`,
      // One array parameter: a plain JS array would be spread into a list of parameters.
      [newText, em.getPlatform().marshallArray(mentionIds), message.id],
    );
    if (updated.length === 0) throw new BadUserInputError('This message was deleted and cannot be edited.', 'id');
    const current = await this.reload(em, message.id);
    await this.events.publishUpdated(current);
    return current;
  }

  /**
   * `forEveryone` (the default): leaves a tombstone — text, mentions, attachments and reactions
   * gone, `deletedAt` set, `seq` kept. The sender may do it, and OWNERs and ADMINs of groups and
   * channels for anyone's message. Deleting a tombstone again returns it unchanged. The files
   * go too: the same transaction enqueues their deletion for the media subgraph (job id = message id).
   *
   * Otherwise hides the message for the viewer only (anyone who can read it may): it leaves
   * their history pages, `lastMessage`, search and live updates, stays in `messagesSince`
   * marked `hiddenForMe`, and stays unchanged for everyone else. Hiding twice is a no-op.
   * @throws ForbiddenError when deleting someone else's message for everyone without the role;
   *   NotFoundError for an unknown id
   */
  async delete(em: EntityManager, viewer: Viewer, id: string, forEveryone: boolean, client: ClientInfo | null = null): Promise<Message> {
    const { message, membership } = await this.load(em, viewer, id);
    if (!forEveryone) {
      await em.execute(
        `insert into "chat"."hidden_message" ("user_id", "message_id", "hidden_at") values (?, ?, clock_timestamp())
           on conflict do nothing`,
        [viewer.id, message.id],
      );
      return message;
    }
    if (message.senderId !== viewer.id && !canDeleteOthersMessages(membership.conversation.kind, membership.member.role)) {
      throw new ForbiddenError('Only the sender, or an owner or admin of a group or channel, can delete this message for everyone.');
    }
    const deleted = await em.transactional(async (tx) => {
      // Locked and read first: the update's RETURNING would only show the emptied list.
      const [live] = await tx.execute<Array<{ media_ids: string[] }>>(
        `select "media_ids" from "chat"."message" where "id" = ? and "deleted_at" is null for update`,
        [message.id],
      );
      if (!live) return false;
      await tx.execute(
        `update "chat"."message" set "text" = null, "mention_ids" = '{}', "media_ids" = '{}', "deleted_at" = clock_timestamp()
          where "id" = ?`,
        [message.id],
      );
      await tx.execute(`delete from "chat"."reaction" where "message_id" = ?`, [message.id]);
      await this.mediaDeletion.enqueue(tx, [{ kind: 'message', id: message.id, mediaIds: live.media_ids }]);
      await AuditLog.record(tx, {
        action: AuditAction.MESSAGE_DELETED_FOR_EVERYONE,
        actorId: viewer.id,
        targetUserId: message.senderId,
        conversationId: message.conversationId,
        subjectId: message.id,
        client,
        detail: { mediaIds: live.media_ids },
      });
      return true;
    });
    const current = await this.reload(em, message.id);
    if (deleted) await this.events.publishUpdated(current);
    return current;
  }

  /** @throws NotFoundError for an unknown id, ForbiddenError (or NotFoundError) unless the viewer is in its conversation */
  private async load(em: EntityManager, viewer: Viewer, id: string): Promise<{ message: Message; membership: Membership }> {
    const message = isUuid(id) ? await em.findOne(Message, id) : null;
    if (!message) throw new NotFoundError('There is no message with this id.');
    return { message, membership: await this.membership.require(em, message.conversationId, viewer.id) };
  }

  private async reload(em: EntityManager, id: string): Promise<Message> {
    return em.findOneOrFail(Message, id, { refresh: true });
  }
}
