import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import {
  AuditAction,
  AuditLog,
  NotFoundError,
  UnauthenticatedError,
  type ClientInfo,
  type EntityManager,
  type Logger,
  type RevocationView,
  type TokenSigner,
  type Viewer,
} from '@chirpchat/kit';
import { RefreshToken } from '../entities/refresh-token.entity.js';
import { User } from '../entities/user.entity.js';
import type { AuthPayload } from '../types/auth-payload.type.js';
import type { Session } from '../types/session.type.js';

export interface SessionServiceOptions {
  signAccessToken: TokenSigner;
  /** How long an access token lives: a revocation must be remembered that long. */
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /** Where revoking a session makes its access tokens stop at once, in every process. */
  revocations: RevocationView;
  logger: Logger;
}

/** A refresh family just started or rotated: the refresh token to hand out and the session (`sid`) its access tokens carry. */
export interface IssuedSession {
  refreshToken: string;
  sessionId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;
/** What a session list needs of a User-Agent; the rest is not worth storing. */
const USER_AGENT_MAX = 512;

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
  private readonly accessTokenTtlMs: number;
  private readonly refreshTokenTtlMs: number;
  private readonly revocations: RevocationView;
  private readonly logger: Logger;

  constructor(options: SessionServiceOptions) {
    this.signAccessToken = options.signAccessToken;
    this.accessTokenTtlMs = options.accessTokenTtlSeconds * 1000;
    this.refreshTokenTtlMs = options.refreshTokenTtlDays * DAY_MS;
    this.revocations = options.revocations;
    this.logger = options.logger;
  }

  /**
   * Persists the first refresh token of a new family for `user`, remembering the client that
   * started it (for the session list). Call it inside the transaction that creates or checks
   * the user, then `issue` after the commit.
   */
  startFamily(em: EntityManager, user: User, client: ClientInfo): IssuedSession {
    const sessionId = randomUUID();
    return { sessionId, refreshToken: this.addToken(em, user, sessionId, client) };
  }

  /** The payload a client receives once the session's refresh token has been committed. */
  async issue(user: User, session: IssuedSession): Promise<AuthPayload> {
    const access = await this.signAccessToken(user.id, { sessionId: session.sessionId, generation: user.tokenGeneration });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: session.refreshToken, user };
  }

  /** The viewer's live sessions (refresh families neither revoked nor expired), most recently used first. */
  async list(em: EntityManager, viewer: Viewer): Promise<Session[]> {
    const rows = await em.execute<
      Array<{ family: string; user_agent: string | null; address: string | null; last_used_at: Date; created_at: Date }>
    >(
      `select head.family, head.user_agent, head.address, head.created_at as last_used_at,
              (select min(link.created_at) from "users"."refresh_tokens" link where link.family = head.family) as created_at
         from "users"."refresh_tokens" head
        where head.user_id = ? and head.used_at is null and head.revoked_at is null and head.expires_at > now()
        order by head.created_at desc`,
      [viewer.id],
    );
    return rows.map((row) => ({
      id: row.family,
      createdAt: new Date(row.created_at),
      lastUsedAt: new Date(row.last_used_at),
      userAgent: row.user_agent,
      address: row.address,
      current: row.family === viewer.sessionId,
    }));
  }

  /**
   * Signs one of the viewer's sessions out: its refresh tokens and, in every process at once, its access tokens.
   * @throws NotFoundError when the viewer has no session `id` (another user's included: nothing changes)
   */
  async revokeSession(em: EntityManager, viewer: Viewer, id: string, client: ClientInfo): Promise<true> {
    const owned = UUID.test(id) ? await em.count(RefreshToken, { family: id, user: viewer.id }) : 0;
    if (owned === 0) throw new NotFoundError('You have no session with this id: list yours with mySessions.');
    await em.transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`users:refresh-family:${id}`]);
      const revoked = await this.revokeFamily(tx, id);
      if (revoked > 0) {
        await AuditLog.record(tx, {
          action: AuditAction.SESSION_REVOKED,
          actorId: viewer.id,
          targetUserId: viewer.id,
          subjectId: id,
          client,
          detail: { reason: 'signed out from another device' },
        });
      }
    });
    await this.announceSession(viewer.id, id);
    return true;
  }

  /** Revokes every refresh family of `user` (call inside the transaction that changes the user). */
  async revokeAllFamilies(em: EntityManager, user: User): Promise<void> {
    await em.nativeUpdate(RefreshToken, { user, revokedAt: null }, { revokedAt: new Date() });
  }

  /** Makes every access token of `userId` older than `generation` stop at once, in every process. */
  async announceGeneration(userId: string, generation: number): Promise<void> {
    await this.revocations.revoke({ kind: 'generation', userId, generation, expiresAt: Date.now() + this.accessTokenTtlMs });
  }

  private async announceSession(userId: string, sessionId: string): Promise<void> {
    await this.revocations.revoke({ kind: 'session', userId, sessionId, expiresAt: Date.now() + this.accessTokenTtlMs });
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
    const replay: { token: RefreshToken | null } = { token: null };
    const outcome = await em.transactional(async (tx): Promise<{ user: User; session: IssuedSession } | Refusal> => {
      const token = await this.lockFamilyOf(tx, presented);
      if (!token) return 'unknown';
      if (token.revokedAt) return 'revoked';
      if (token.usedAt) {
        await this.revokeFamily(tx, token.family);
        replay.token = token;
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
      if (user.deletedAt) return 'revoked';
      const device = { userAgent: token.userAgent, address: token.address };
      return { user, session: { sessionId: token.family, refreshToken: this.addToken(tx, user, token.family, device) } };
    });
    if (typeof outcome === 'string') {
      if (replay.token) await this.announceSession(replay.token.user.id, replay.token.family);
      if (outcome === 'replayed') this.logger.warn('a used refresh token was presented again; its family is revoked');
      else this.logger.info({ reason: outcome }, 'refresh token refused');
      throw new UnauthenticatedError(
        outcome === 'replayed'
          ? 'This refresh token was already used, so every session that came from it is now signed out: sign in again.'
          : 'This refresh token is not valid any more: sign in again.',
      );
    }
    return this.issue(outcome.user, outcome.session);
  }

  /**
   * Revokes the family of `presented` (this device's session and every rotation of it).
   * @returns false when the token is not one of ours, true otherwise (also when it was
   *   already revoked or expired), so a client can always log out and then forget its tokens.
   *   Revoking a live session is audited (`session.revoked`, reason `logout`).
   */
  async logout(em: EntityManager, presented: string, client: ClientInfo | null = null): Promise<boolean> {
    const token = await em.transactional(async (tx) => {
      const token = await this.lockFamilyOf(tx, presented);
      if (!token) return null;
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
      return token;
    });
    if (!token) return false;
    await this.announceSession(token.user.id, token.family);
    return true;
  }

  private addToken(em: EntityManager, user: User, family: string, client: ClientInfo): string {
    const secret = randomBytes(32).toString('base64url');
    const token = em.create(RefreshToken, {
      user,
      family,
      secretHash: hashSecret(secret).toString('hex'),
      expiresAt: new Date(Date.now() + this.refreshTokenTtlMs),
      userAgent: client.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      address: client.address,
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
