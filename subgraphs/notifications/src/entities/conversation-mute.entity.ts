import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A user's mute of one conversation: no pushes for it until `until`, or for good when null.
 * An expired row means "not muted"; maintenance removes it later.
 */
@Entity({ tableName: 'conversation_mute' })
export class ConversationMute {
  @PrimaryKey({ type: 'text' })
  userId!: string;

  /** Chat owns conversations and their id format, so this is text. */
  @PrimaryKey({ type: 'text' })
  conversationId!: string;

  @Property({ type: 'datetime', length: 3, nullable: true })
  until: Date | null = null;

  @Property({ type: 'datetime', length: 3 })
  createdAt: Date & Opt = new Date();

  /** Whether the mute holds at `now`. */
  isActive(now = new Date()): boolean {
    return this.until === null || this.until > now;
  }
}
