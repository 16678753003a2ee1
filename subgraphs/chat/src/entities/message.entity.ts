import { randomUUID } from 'node:crypto';
import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { Conversation } from './conversation.entity.js';

/**
 * One message. `(conversation, seq)` is unique and is the index paging walks; `(sender, clientId)`
 * is unique so that a retried send finds the first message instead of making a second.
 */
@ObjectType('Message')
@Directive('@key(fields: "id")')
@Entity({ tableName: 'message' })
@Unique({ name: 'message_conversation_seq_unique', properties: ['conversationId', 'seq'] })
@Unique({ name: 'message_sender_client_id_unique', properties: ['senderId', 'clientId'] })
export class Message {
  @Field((_type) => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field((_type) => ID)
  @ManyToOne(() => Conversation, { mapToPk: true, fieldName: 'conversation_id', deleteRule: 'cascade' })
  conversationId!: string;

  @Field((_type) => Int)
  @Property({ type: 'integer' })
  seq!: number;

  @Field((_type) => String)
  @Property({ type: 'text' })
  clientId!: string;

  /** The users subgraph owns users and their id format, so chat keeps the id as text. */
  @Property({ type: 'text' })
  senderId!: string;

  @Field((_type) => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  text: string | null = null;

  @Field((_type) => Date)
  @Property({ type: 'datetime', length: 3 })
  createdAt: Date & Opt = new Date();
}
