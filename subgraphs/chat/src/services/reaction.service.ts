import { BadUserInputError, NotFoundError, type EntityManager, type Viewer } from '@chirpchat/kit';
import { Message } from '../entities/message.entity.js';
import { normalizeEmoji } from './emoji.rules.js';
import { isUuid } from './ids.js';
import type { MembershipService } from './membership.service.js';
import type { MessageEventsService } from './message-events.service.js';

/** Different emoji one message may carry; the same emoji from more people is always fine. */
export const DISTINCT_EMOJI_MAX = 20;

/**
 * Adding and removing reactions. Anyone who can read a message may react to it (in channels
 * too); see `normalizeEmoji` for what counts as an emoji. A change is published as
 * `messageUpdated` after the commit; a request that changes nothing publishes nothing.
 */
export class ReactionService {
  constructor(
    private readonly membership: MembershipService,
    private readonly events: MessageEventsService,
  ) {}

  /**
   * Adds the viewer's reaction; adding it again is a no-op.
   * @throws BadUserInputError for something that is not one emoji, a deleted message, or a
   *   21st different emoji; NotFoundError or ForbiddenError unless the viewer can read the message
   */
  async add(em: EntityManager, viewer: Viewer, messageId: string, emoji: string): Promise<Message> {
    const normalized = normalizeEmoji(emoji);
    const message = await this.readable(em, viewer, messageId);
    const added = await em.transactional(async (tx) => {
      // Locking the message serializes reactions with each other and with a delete, so the
      // distinct-emoji cap holds and no reaction lands on a tombstone.
      const [locked] = await tx.execute<Array<{ deleted: boolean }>>(
        `select "deleted_at" is not null as "deleted" from "chat"."message" where "id" = ? for update`,
        [message.id],
      );
      if (locked?.deleted) throw new BadUserInputError('This message was deleted: there is nothing to react to.', 'messageId');
      const [usage] = await tx.execute<Array<{ distinct_emoji: number; already_used: boolean }>>(
        `select count(distinct "emoji")::int as "distinct_emoji", coalesce(bool_or("emoji" = ?), false) as "already_used"
           from "chat"."reaction" where "message_id" = ?`,
        [normalized, message.id],
      );
      if (!usage?.already_used && (usage?.distinct_emoji ?? 0) >= DISTINCT_EMOJI_MAX) {
        throw new BadUserInputError(
          `A message can carry at most ${DISTINCT_EMOJI_MAX} different emoji: react with one that is already there.`,
          'emoji',
        );
      }
      const inserted = await tx.execute<Array<{ emoji: string }>>(
        `insert into "chat"."reaction" ("message_id", "user_id", "emoji", "created_at") values (?, ?, ?, clock_timestamp())
           on conflict do nothing returning "emoji"`,
        [message.id, viewer.id, normalized],
      );
      return inserted.length > 0;
    });
    if (added) await this.events.publishUpdated(message);
    return message;
  }

  /**
   * Removes the viewer's reaction; removing one that is not there is a no-op.
   * @throws BadUserInputError for something that is not one emoji; NotFoundError or
   *   ForbiddenError unless the viewer can read the message
   */
  async remove(em: EntityManager, viewer: Viewer, messageId: string, emoji: string): Promise<Message> {
    const normalized = normalizeEmoji(emoji);
    const message = await this.readable(em, viewer, messageId);
    const removed = await em.execute<Array<{ emoji: string }>>(
      `delete from "chat"."reaction" where "message_id" = ? and "user_id" = ? and "emoji" = ? returning "emoji"`,
      [message.id, viewer.id, normalized],
    );
    if (removed.length > 0) await this.events.publishUpdated(message);
    return message;
  }

  private async readable(em: EntityManager, viewer: Viewer, messageId: string): Promise<Message> {
    const message = isUuid(messageId) ? await em.findOne(Message, messageId) : null;
    if (!message) throw new NotFoundError('There is no message with this id.');
    await this.membership.require(em, message.conversationId, viewer.id);
    return message;
  }
}
