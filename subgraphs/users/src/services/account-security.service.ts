import { LockMode } from '@mikro-orm/core';
import { AuditAction, AuditLog, BadUserInputError, type ClientInfo, type EntityManager, type Viewer } from '@chirpchat/kit';
import { User } from '../entities/user.entity.js';
import type { AuthPayload } from '../types/auth-payload.type.js';
import { checkPasswordStrength } from './password.rules.js';
import type { PasswordService } from './password.service.js';
import type { SessionService } from './session.service.js';

/** What a deleted account shows in conversations it took part in. */
export const DELETED_DISPLAY_NAME = 'Deleted user';

/**
 * Changing the password and deleting the account: both need the password again, raise the
 * user's token generation (every access token signed before stops at once, in every process)
 * and revoke every refresh family.
 */
export class AccountSecurityService {
  constructor(
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
  ) {}

  /**
   * Sets a new password and signs every session out, the caller's included, which gets a new
   * session in return.
   * @throws BadUserInputError `currentPassword` when it is wrong, `password` when the new one is too weak
   */
  async changePassword(
    em: EntityManager,
    viewer: Viewer,
    input: { currentPassword: string; newPassword: string },
    client: ClientInfo,
  ): Promise<AuthPayload> {
    const user = await this.checkPassword(em, viewer, input.currentPassword);
    checkPasswordStrength(input.newPassword, { username: user.username, email: user.email });
    const passwordHash = await this.passwords.hash(input.newPassword);
    const { locked, session } = await em.transactional(async (tx) => {
      const locked = await this.bumpGeneration(tx, user.id);
      locked.passwordHash = passwordHash;
      await this.sessions.revokeAllFamilies(tx, locked);
      await AuditLog.record(tx, { action: AuditAction.PASSWORD_CHANGED, actorId: locked.id, targetUserId: locked.id, client });
      return { locked, session: this.sessions.startFamily(tx, locked, client) };
    });
    await this.sessions.announceGeneration(locked.id, locked.tokenGeneration);
    return this.sessions.issue(locked, session);
  }

  /**
   * Marks the account deleted and signs every session out. Its messages stay where they are,
   * from "Deleted user".
   * @throws BadUserInputError `password` when it is wrong
   */
  async deleteAccount(em: EntityManager, viewer: Viewer, password: string, client: ClientInfo): Promise<true> {
    await this.checkPassword(em, viewer, password, 'password');
    const locked = await em.transactional(async (tx) => {
      const locked = await this.bumpGeneration(tx, viewer.id);
      locked.deletedAt = new Date();
      locked.displayName = DELETED_DISPLAY_NAME;
      await this.sessions.revokeAllFamilies(tx, locked);
      await AuditLog.record(tx, { action: AuditAction.ACCOUNT_DELETED, actorId: locked.id, targetUserId: locked.id, client });
      return locked;
    });
    await this.sessions.announceGeneration(locked.id, locked.tokenGeneration);
    return true;
  }

  private async checkPassword(em: EntityManager, viewer: Viewer, password: string, field = 'currentPassword'): Promise<User> {
    const user = await em.findOne(User, { id: viewer.id, deletedAt: null });
    const valid = await this.passwords.verify(user?.passwordHash ?? null, password);
    if (!user || !valid) throw new BadUserInputError('The password is wrong: enter the one you sign in with.', field);
    return user;
  }

  /** The user, locked for this transaction, with its token generation raised. */
  private async bumpGeneration(tx: EntityManager, userId: string): Promise<User> {
    const user = await tx.findOneOrFail(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    user.tokenGeneration += 1;
    return user;
  }
}
