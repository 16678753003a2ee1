import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Message } from './message.entity.js';

/**
 * A message someone deleted for themselves only (`deleteMessage(forEveryone: false)`). It stays
 * for everybody else; for this user it leaves history pages, `lastMessage`, search and live
 * updates, but not `messagesSince`, which stays gap-free and marks it `hiddenForMe`.
 */
@Entity({ tableName: 'hidden_message' })
export class HiddenMessage {
  /** The users subgraph owns users and their id format, so chat keeps the id as text. */
  @PrimaryKey({ type: 'text' })
  userId!: string;

  @ManyToOne(() => Message, { primary: true, mapToPk: true, fieldName: 'message_id', deleteRule: 'cascade' })
  messageId!: string;

  @Property({ type: 'datetime', length: 3 })
  hiddenAt: Date & Opt = new Date();
}
