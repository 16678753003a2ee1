import { randomUUID } from 'node:crypto';
import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ID, ObjectType } from 'type-graphql';

/**
 * One browser's Web Push subscription (a device of a user). The endpoint is unique: the same
 * endpoint registered again is the same subscription, moved to whoever registered it last
 * (one browser profile, another account). The keys encrypt payloads for that browser only and
 * never leave this subgraph.
 */
@ObjectType('PushSubscription')
@Entity({ tableName: 'push_subscription' })
@Index({ name: 'push_subscription_user_index', properties: ['userId'] })
export class PushSubscription {
  @Field((_type) => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** The users subgraph owns users and their id format, so this is text. */
  @Property({ type: 'text' })
  userId!: string;

  /** The push service URL the browser handed out; an https URL on a public address. */
  @Field((_type) => String)
  @Property({ type: 'text', unique: 'push_subscription_endpoint_unique' })
  endpoint!: string;

  /** The browser's P-256 public key, base64url (65 bytes decoded). */
  @Property({ type: 'text' })
  p256dh!: string;

  /** The browser's auth secret, base64url (16 bytes decoded). */
  @Property({ type: 'text' })
  auth!: string;

  @Field((_type) => String, { nullable: true, description: 'What the browser said it is, for telling devices apart.' })
  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  @Field((_type) => Date)
  @Property({ type: 'datetime', length: 3 })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3 })
  updatedAt: Date & Opt = new Date();
}
