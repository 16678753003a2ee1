import { randomUUID } from 'node:crypto';
import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { ConversationKind } from './conversation-kind.enum.js';

/**
 * A direct chat, group or channel. `lastSeq` is the counter that hands out message numbers:
 * senders take it with a row lock, which is what makes `seq` gap-free under concurrency.
 * Lists sort by latest activity, `coalesce(last_message_at, created_at)`; the expression index
 * for that lives in the migration.
 */
@ObjectType('Conversation')
@Directive('@key(fields: "id")')
@Entity({ tableName: 'conversation' })
export class Conversation {
  @Field((_type) => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field((_type) => ConversationKind)
  @Enum({ items: () => ConversationKind })
  kind!: ConversationKind;

  @Field((_type) => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  title: string | null = null;

  /**
   * The two members' ids, sorted and joined, for DIRECT conversations only; unique, so two
   * concurrent creates for the same pair cannot both succeed.
   */
  @Property({ type: 'text', nullable: true, unique: 'conversation_direct_key_unique' })
  directKey: string | null = null;

  @Field((_type) => Date)
  @Property({ type: 'datetime', length: 3 })
  createdAt: Date & Opt = new Date();

  @Field((_type) => Date, { nullable: true })
  @Property({ type: 'datetime', length: 3, nullable: true })
  lastMessageAt: Date | null = null;

  @Field((_type) => Int)
  @Property({ type: 'integer', default: 0 })
  lastSeq: number & Opt = 0;
}
