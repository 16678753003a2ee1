import { randomUUID } from 'node:crypto';
import { ArrayType, type Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { Conversation } from './conversation.entity.js';

/**
 * One message. `(conversation, seq)` is unique and is the index paging walks; `(sender, clientId)`
 * is unique so that a retried send finds the first message instead of making a second.
 *
 * Deleting for everyone leaves a tombstone: the row, its `seq` and `deletedAt` stay (so history
 * has no gaps), `text`, `mentionIds` and `mediaIds` are emptied and its reactions removed. The migration also
 * keeps a generated `search` tsvector over `text` for full-text search, which is never loaded.
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

  @Field((_type) => Date, { nullable: true, description: 'When the sender last edited the text.' })
  @Property({ type: 'datetime', length: 3, nullable: true })
  editedAt: Date | null = null;

  @Field((_type) => Date, { nullable: true, description: 'Set when deleted for everyone; the message stays as a tombstone.' })
  @Property({ type: 'datetime', length: 3, nullable: true })
  deletedAt: Date | null = null;

  /** The message this one answers, always in the same conversation; `replyTo` resolves it. */
  @Property({ type: 'uuid', nullable: true })
  replyToId: string | null = null;

  /** The members named with `@username` in the text, in order of first mention; `mentions` resolves them. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  mentionIds: string[] & Opt = [];

  /**
   * The attached files, in the order sent. The media subgraph owns them and their id format, so
   * chat keeps the ids as text; it resolves `attachments` from this field (`@requires`).
   */
  @Field((_type) => [ID], { description: 'The attached files in order, resolved by the media subgraph as `attachments`; [] once deleted.' })
  @Property({ type: ArrayType, columnType: 'text[]' })
  mediaIds: string[] & Opt = [];
}
