import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';
import { Conversation } from './conversation.entity.js';
import { MemberRole } from './member-role.enum.js';

/**
 * Someone's place in a conversation. The primary key (conversation, user) is the index every
 * membership check uses; the (user) index lists a person's conversations.
 */
@ObjectType('Member')
@Entity({ tableName: 'member' })
@Index({ name: 'member_user_index', properties: ['userId', 'conversationId'] })
export class Member {
  @ManyToOne(() => Conversation, { primary: true, mapToPk: true, fieldName: 'conversation_id', deleteRule: 'cascade' })
  conversationId!: string;

  /** The users subgraph owns users and their id format, so chat keeps the id as text. */
  @PrimaryKey({ type: 'text' })
  userId!: string;

  @Field((_type) => MemberRole)
  @Enum({ items: () => MemberRole })
  role!: MemberRole;

  @Field((_type) => Date)
  @Property({ type: 'datetime', length: 3 })
  joinedAt: Date & Opt = new Date();

  /** The highest seq this member's client has received; only ever raised (ReceiptService). */
  @Field((_type) => Int)
  @Property({ type: 'integer', default: 0 })
  lastDeliveredSeq: number & Opt = 0;

  /** The highest seq this member has seen; never ahead of `lastDeliveredSeq` (read implies delivered). */
  @Field((_type) => Int)
  @Property({ type: 'integer', default: 0 })
  lastReadSeq: number & Opt = 0;
}
