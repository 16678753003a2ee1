import { BatchLoader, type EntityManager } from '@chirpchat/kit';
import { HiddenMessage } from '../entities/hidden-message.entity.js';
import { Message } from '../entities/message.entity.js';
import type { ReactionSummary } from '../types/reaction-summary.type.js';

/** One emoji on one message and who chose it, earliest first. */
interface ReactionGroup {
  emoji: string;
  userIds: string[];
}

/** The loaders of one request (or subscription operation), which always has one viewer. */
interface Loaders {
  viewerId: string;
  reactions: BatchLoader<string, ReactionGroup[]>;
  messages: BatchLoader<string, Message | null>;
  hidden: BatchLoader<string, boolean>;
}

/**
 * The per-message fields that need more than the message row: reactions, the replied-to
 * message, and whether the viewer hid it. Each is loaded for all messages of a response at
 * once (one query per field, not per message). Callers have already checked that the viewer
 * may read the messages.
 */
export class MessageDetailsService {
  private readonly loaders = new WeakMap<EntityManager, Loaders>();

  /** The message's reactions grouped by emoji, in order of first use, as `viewerId` sees them. */
  async reactions(em: EntityManager, viewerId: string, messageId: string): Promise<ReactionSummary[]> {
    const groups = (await this.for(em, viewerId).reactions.load(messageId)) ?? [];
    return groups.map(({ emoji, userIds }) => ({
      emoji,
      count: userIds.length,
      reactedByMe: userIds.includes(viewerId),
      users: userIds.map((id) => ({ id })),
    }));
  }

  /** The message `replyToId` names; tombstones too (their text is null). */
  replyTo(em: EntityManager, viewerId: string, replyToId: string | null): Promise<Message | null> {
    return replyToId === null
      ? Promise.resolve(null)
      : this.for(em, viewerId)
          .messages.load(replyToId)
          .then((message) => message ?? null);
  }

  /** Whether the viewer deleted the message for themselves. */
  hiddenForMe(em: EntityManager, viewerId: string, messageId: string): Promise<boolean> {
    return this.for(em, viewerId)
      .hidden.load(messageId)
      .then((hidden) => hidden ?? false);
  }

  private for(em: EntityManager, viewerId: string): Loaders {
    let loaders = this.loaders.get(em);
    if (loaders?.viewerId !== viewerId) {
      loaders = {
        viewerId,
        reactions: new BatchLoader((ids) => this.loadReactions(em, ids)),
        messages: new BatchLoader(async (ids) => new Map((await em.find(Message, { id: { $in: ids } })).map((m) => [m.id, m]))),
        hidden: new BatchLoader(async (ids) => {
          const hidden = await em.find(HiddenMessage, { userId: viewerId, messageId: { $in: ids } });
          return new Map(hidden.map((h) => [h.messageId, true]));
        }),
      };
      this.loaders.set(em, loaders);
    }
    return loaders;
  }

  private async loadReactions(em: EntityManager, messageIds: string[]): Promise<Map<string, ReactionGroup[]>> {
    const rows = await em.execute<Array<{ message_id: string; emoji: string; user_ids: string[] }>>(
      `select "message_id", "emoji", array_agg("user_id" order by "created_at", "user_id") as "user_ids"
         from "chat"."reaction" where "message_id" in (?)
        group by "message_id", "emoji" order by min("created_at"), "emoji"`,
      [messageIds],
    );
    const groups = new Map<string, ReactionGroup[]>();
    for (const row of rows) {
      groups.set(row.message_id, [...(groups.get(row.message_id) ?? []), { emoji: row.emoji, userIds: row.user_ids }]);
    }
    return groups;
  }
}
