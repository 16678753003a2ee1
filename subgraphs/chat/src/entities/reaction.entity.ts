import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Message } from './message.entity.js';

/**
 * One person's emoji on one message. The primary key (message, user, emoji) makes adding the
 * same reaction twice a no-op; clients see reactions grouped as `ReactionSummary`.
 */
@Entity({ tableName: 'reaction' })
export class Reaction {
  @ManyToOne(() => Message, { primary: true, mapToPk: true, fieldName: 'message_id', deleteRule: 'cascade' })
  messageId!: string;

  /** The users subgraph owns users and their id format, so chat keeps the id as text. */
  @PrimaryKey({ type: 'text' })
  userId!: string;

  /** Normalized by `normalizeEmoji`, so one emoji is always stored the same way. */
  @PrimaryKey({ type: 'text' })
  emoji!: string;

  /** Summaries list emoji in the order they were first used on the message. */
  @Property({ type: 'datetime', length: 3 })
  createdAt: Date & Opt = new Date();
}
