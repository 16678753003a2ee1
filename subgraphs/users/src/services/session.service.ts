import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import {
  AuditAction,
  AuditLog,
  UnauthenticatedError,
  type ClientInfo,
  type EntityManager,
  type Logger,
  type TokenSigner,
} from '@chirpchat/kit';
import { RefreshToken } from '../entities/refresh-token.entity.js';
import { User } from '../entities/user.entity.js';
import type { AuthPayload } from '../types/auth-payload.type.js';

export interface SessionServiceOptions {
  signAccessToken: TokenSigner;
  refreshTokenTtlDays: number;
  logger: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

/** Why a refresh token was refused. Logged; the client learns only whether it was a replay. */
type Refusal = 'unknown' | 'revoked' | 'expired' | 'replayed';

/**
 * Access and refresh tokens. A refresh token is `<row id>.<32 random bytes, base64url>` and
 * is used once: `refresh` marks it used and issues its successor in the same family. A used
 * token presented again means two parties hold it (one of them stole it), so the whole family
 * is revoked and both must sign in again.
 */
export class SessionService {
  private readonly signAccessToken: TokenSigner;
  private readonly refreshTokenTtlMs: number;
  private readonly logger: Logger;

  constructor(options: SessionServiceOptions) {
    this.signAccessToken = options.signAccessToken;
    this.refreshTokenTtlMs = options.refreshTokenTtlDays * DAY_MS;
    this.logger = options.logger;
  }

  /**
   * Persists the first refresh token of a new family for `user`. Call it inside the
   * transaction that creates or checks the user, then `issue` after the commit.
   */
  startFamily(em: EntityManager, user: User): string {
    return this.addToken(em, user, randomUUID());
  }

  /** The payload a client receives once `refreshToken` has been committed. */
  async issue(user: User, refreshToken: string): Promise<AuthPayload> {
    const access = await this.signAccessToken(user.id);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, user };
  }

  /**
   * Exchanges a refresh token for a new pair. Everything that changes a family runs under
   * that family's transaction lock and re-reads the row inside it, so of two concurrent calls
   * with the same token one rotates it and the other sees it used (a replay), and a revocation
   * cannot miss a successor issued at the same moment. A replay is audited (`refresh_token.reused`,
   * about the family's user; the actor is unknown: it may be the thief) in the revocation's transaction.
   * @throws UnauthenticatedError for an unknown, expired, revoked or replayed token
   */
  async refresh(em: EntityManager, presented: string, client: ClientInfo | null = null): Promise<AuthPayload> {
    const outcome = await em.transactional(async (tx): Promise<{ user: User; refreshToken: string } | Refusal> => {
      const token = await this.lockFamilyOf(tx, presented);
      if (!token) return 'unknown';
      if (token.revokedAt) return 'revoked';
      if (token.usedAt) {
        await this.revokeFamily(tx, token.family);
        await AuditLog.record(tx, {
          action: AuditAction.REFRESH_TOKEN_REUSED,
          targetUserId: token.user.id,
          subjectId: token.family,
          client,
        });
        return 'replayed';
      }
      if (token.expiresAt.getTime() <= Date.now()) return 'expired';
      token.usedAt = new Date();
      const user = await tx.findOneOrFail(User, token.user.id);
      return { user, refreshToken: this.addToken(tx, user, token.family) };
    });
    if (typeof outcome === 'string') {
      if (outcome === 'replayed') this.logger.warn('a used refresh token was presented again; its family is revoked');
      else this.logger.info({ reason: outcome }, 'refresh token refused');
      throw new UnauthenticatedError(
        outcome === 'replayed'
          ? 'This refresh token was already used, so every session that came from it is now signed out: sign in again.'
          : 'This refresh token is not valid any more: sign in again.',
      );
    }
    return this.issue(outcome.user, outcome.refreshToken);
  }

  /**
   * Revokes the family of `presented` (this device's session and every rotation of it).
   * @returns false when the token is not one of ours, true otherwise (also when it was
   *   already revoked or expired), so a client can always log out and then forget its tokens.
   *   Revoking a live session is audited (`session.revoked`, reason `logout`).
   */
  async logout(em: EntityManager, presented: string, client: ClientInfo | null = null): Promise<boolean> {
    return em.transactional(async (tx) => {
      const token = await this.lockFamilyOf(tx, presented);
      if (!token) return false;
      const userId = token.user.id;
      const revoked = await this.revokeFamily(tx, token.family);
      if (revoked > 0) {
        await AuditLog.record(tx, {
          action: AuditAction.SESSION_REVOKED,
          actorId: userId,
          targetUserId: userId,
          subjectId: token.family,
          client,
          detail: { reason: 'logout' },
        });
      }
      return true;
    });
  }

  private addToken(em: EntityManager, user: User, family: string): string {
    const secret = randomBytes(32).toString('base64url');
    const token = em.create(RefreshToken, {
      user,
      family,
      secretHash: hashSecret(secret).toString('hex'),
      expiresAt: new Date(Date.now() + this.refreshTokenTtlMs),
    });
    em.persist(token);
    return `${token.id}.${secret}`;
  }

  /**
   * The row a presented token names, when its secret matches (compared in constant time),
   * read again under its family's transaction lock and a row lock. Call inside a transaction.
   */
  private async lockFamilyOf(tx: EntityManager, presented: string): Promise<RefreshToken | null> {
    const [id, secret, ...rest] = presented.trim().split('.');
    if (!id || !secret || rest.length > 0 || !UUID.test(id)) return null;
    const candidate = await tx.findOne(RefreshToken, { id });
    if (!candidate || !timingSafeEqual(Buffer.from(candidate.secretHash, 'hex'), hashSecret(secret))) return null;
    await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`users:refresh-family:${candidate.family}`]);
    return tx.findOneOrFail(RefreshToken, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /** @returns how many of the family's tokens were still live */
  private async revokeFamily(em: EntityManager, family: string): Promise<number> {
    return em.nativeUpdate(RefreshToken, { family, revokedAt: null }, { revokedAt: new Date() });
  }
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
