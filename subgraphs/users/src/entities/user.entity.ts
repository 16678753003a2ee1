import { randomUUID } from 'node:crypto';
import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * A person's account, and the `User` entity other subgraphs reference by id.
 *
 * `email` and `passwordHash` have no `@Field`: the email is exposed only to its owner through
 * a field resolver, and the hash never leaves this subgraph.
 */
@ObjectType('User')
@Directive('@key(fields: "id")')
@Entity({ tableName: 'users' })
export class User {
  @Field((_type) => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** Lower-case, 3–32 of `[a-z0-9_.]`; unique. */
  @Field((_type) => String)
  @Property({ type: 'string', length: 32, unique: true })
  username!: string;

  /** Lower-case; unique; the other way to sign in. */
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  @Field((_type) => String)
  @Property({ type: 'string', length: 64 })
  displayName!: string;

  /**
   * The profile picture: an image the user uploaded without a conversation. The media subgraph
   * owns files and their id format, so it is text here; it resolves `avatarUrl` from this field
   * (`@requires`).
   */
  @Field((_type) => ID, { nullable: true, description: 'The profile picture, resolved by the media subgraph as `avatarUrl`.' })
  @Property({ type: 'text', nullable: true })
  avatarMediaId: string | null = null;

  /** argon2id, in the PHC string format (algorithm, parameters and salt included). */
  @Property({ type: 'text', hidden: true })
  passwordHash!: string;

  /**
   * Raised by a password change or an account deletion: access tokens carry the value they were
   * signed with (`gen`), and every process refuses those older than the latest.
   */
  @Property({ type: 'integer', default: 0 })
  tokenGeneration: number & Opt = 0;

  /** When the account was deleted: it can no longer sign in, and its messages stay, shown as a deleted user. */
  @Field((_type) => Date, { nullable: true, description: 'When the account was deleted, else null.' })
  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
