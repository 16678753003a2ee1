import { randomUUID } from 'node:crypto';
import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Directive, Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { StoredVariant } from '../stores/store.js';
import { MediaKind } from '../types/media-kind.enum.js';
import { MediaStatus } from '../types/media-status.enum.js';
import type { VariantName } from '../variants.js';

/**
 * One uploaded file and what processing made of it. The row exists from the ticket on
 * (UPLOADING); the store's "processing finished" notification fills in the dimensions and the
 * variants. URLs are never stored: they are signed per request, for viewers who may see the
 * file (members of `conversationId`; without one, people who share a conversation with the
 * uploader).
 */
@ObjectType('Media')
@Directive('@key(fields: "id")')
@Entity({ tableName: 'media' })
@Index({ name: 'media_conversation_index', properties: ['conversationId'] })
@Index({ name: 'media_uploader_index', properties: ['uploaderId', 'createdAt'] })
@Unique({ name: 'media_public_id_unique', properties: ['publicId'] })
export class Media {
  @Field((_type) => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** The users subgraph owns users and their id format, so this is text. */
  @Property({ type: 'text' })
  uploaderId!: string;

  @Field((_type) => ID, { nullable: true, description: 'The conversation the file is for; null for a profile picture or a story.' })
  @Property({ type: 'text', nullable: true })
  conversationId: string | null = null;

  @Field((_type) => MediaKind)
  @Property({ type: 'text' })
  kind!: MediaKind;

  @Field((_type) => MediaStatus)
  @Property({ type: 'text' })
  status: MediaStatus & Opt = MediaStatus.UPLOADING;

  @Field((_type) => String)
  @Property({ type: 'text' })
  mimeType!: string;

  @Field((_type) => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  filename: string | null = null;

  /** Declared at the ticket; the real size once the file is in. */
  @Field((_type) => Int)
  @Property({ type: 'integer' })
  bytes!: number;

  @Field((_type) => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  width: number | null = null;

  @Field((_type) => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  height: number | null = null;

  @Field((_type) => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  durationSeconds: number | null = null;

  /** `local` or `cloudinary`: which store holds the files. */
  @Property({ type: 'text' })
  store!: string;

  /** The store's name for it: Cloudinary's public id, or the local directory. */
  @Property({ type: 'text' })
  publicId!: string;

  /** The original's format (file extension) as the store reported it. */
  @Property({ type: 'text', nullable: true })
  format: string | null = null;

  /** The variants the store reported, by name. */
  @Property({ type: 'jsonb' })
  variants: Partial<Record<VariantName, StoredVariant>> & Opt = {};

  /** What the store's notifications said, as received (for support and reprocessing). */
  @Property({ type: 'jsonb' })
  metadata: Record<string, unknown> & Opt = {};

  /** Why processing failed, in words a user can act on. */
  @Field((_type) => String, { nullable: true, description: 'Why processing failed (status FAILED).' })
  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Field((_type) => Date)
  @Property({ type: 'datetime', length: 3 })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3 })
  updatedAt: Date & Opt = new Date();
}
