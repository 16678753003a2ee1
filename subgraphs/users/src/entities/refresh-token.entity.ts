import { randomUUID } from 'node:crypto';
import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { User } from './user.entity.js';

/**
 * One link in a refresh-token chain. The token the client holds is `<id>.<secret>`; only the
 * SHA-256 of the secret is stored, so a leaked table cannot be replayed. Every rotation adds
 * a row to the same `family`, which lets a replayed (already used) token revoke the chain.
 */
@Entity({ tableName: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  /** The sign-in this token descends from; shared by every rotation of it. */
  @Index()
  @Property({ type: 'uuid' })
  family!: string;

  /** Hex SHA-256 of the secret part of the token. */
  @Property({ type: 'string', length: 64 })
  secretHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  /** Set when the token was exchanged for its successor; presenting it again is a replay. */
  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;

  /** The User-Agent of the client that started the family (copied along every rotation), for the session list. */
  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  /** The address of the client that started the family, as the router judged it. */
  @Property({ type: 'text', nullable: true })
  address: string | null = null;

  /** Set on logout and on replay, for every token of the family. */
  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}
