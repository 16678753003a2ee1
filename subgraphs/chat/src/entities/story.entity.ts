import { randomUUID } from 'node:crypto';
import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * A short post that the author's contacts — everyone who shares a conversation with them —
 * can see for 24 hours: text, a file, or both. An entity, so that the media subgraph can add
 * `media`, which it resolves from `mediaId` (`@requires`).
 */
@ObjectType('Story')
@Directive('@key(fields: "id")')
@Entity({ tableName: 'story' })
@Index({ name: 'story_author_index', properties: ['authorId', 'expiresAt'] })
@Index({ name: 'story_expires_at_index', properties: ['expiresAt'] })
export class Story {
  @Field((_type) => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** The users subgraph owns users and their id format, so chat keeps the id as text. */
  @Property({ type: 'text' })
  authorId!: string;

  @Field((_type) => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  text: string | null = null;

  /** The file shown, uploaded without a conversation; media owns its id format, so it is text here. */
  @Field((_type) => ID, { nullable: true, description: 'The file shown, resolved by the media subgraph as `media`.' })
  @Property({ type: 'text', nullable: true })
  mediaId: string | null = null;

  @Field((_type) => Date)
  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;

  /** `createdAt` + 24 h; from then on the story is gone for everyone, whether or not cleanup has run. */
  @Field((_type) => Date)
  @Property({ type: 'datetime', length: 3 })
  expiresAt!: Date;
}
