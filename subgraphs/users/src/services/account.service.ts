import {
  AuditAction,
  AuditLog,
  BadUserInputError,
  ConflictError,
  UnauthenticatedError,
  isUniqueViolation,
  type ClientInfo,
  type EntityManager,
} from '@chirpchat/kit';
import { User } from '../entities/user.entity.js';
import type { AuthPayload } from '../types/auth-payload.type.js';
import { checkPasswordStrength } from './password.rules.js';
import type { PasswordService } from './password.service.js';
import { normalizeDisplayName, normalizeEmail, normalizeUsername } from './profile.rules.js';
import type { SessionService } from './session.service.js';

export interface Registration {
  username: string;
  email: string;
  password: string;
  displayName?: string | null;
}

/** One message for every failed sign-in, so that it does not tell which accounts exist. */
const WRONG_CREDENTIALS = 'Wrong username, email or password.';

/** Creating accounts and signing in; every successful path starts a new session family. */
export class AccountService {
  constructor(
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
  ) {}

  /**
   * Validates everything first, so bad input stores nothing; a taken username or email is a
   * CONFLICT, checked up front for a clear message and again by the unique constraints for
   * two registrations racing.
   * @throws BadUserInputError naming the field at fault
   * @throws ConflictError naming `username` or `email`
   */
  async register(em: EntityManager, input: Registration, client: ClientInfo): Promise<AuthPayload> {
    const username = normalizeUsername(input.username);
    const email = normalizeEmail(input.email);
    // A blank optional field from a sign-up form means "not given".
    const displayName = input.displayName?.trim() ? normalizeDisplayName(input.displayName) : username;
    checkPasswordStrength(input.password, { username, email });

    const taken = await em.findOne(User, { $or: [{ username }, { email }] });
    if (taken) throw conflict(taken.username === username ? 'username' : 'email');

    const passwordHash = await this.passwords.hash(input.password);
    try {
      const { user, session } = await em.transactional(async (tx) => {
        const user = tx.create(User, { username, email, displayName, passwordHash });
        return { user, session: this.sessions.startFamily(tx, user, client) };
      });
      return await this.sessions.issue(user, session);
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(/email/.test(String((error as { constraint?: string }).constraint)) ? 'email' : 'username');
      throw error;
    }
  }

  /**
   * Signs in by username or email, case-insensitively. Unknown accounts cost the same argon2
   * check as wrong passwords. Both outcomes go to the audit trail with `client`; a failure names
   * the account when there is one, and the login tried.
   * @throws UnauthenticatedError with one generic message for any wrong credential
   */
  async login(em: EntityManager, input: { login: string; password: string }, client: ClientInfo): Promise<AuthPayload> {
    const login = input.login.trim().toLowerCase();
    if (!login) throw new BadUserInputError('Enter your username or email.', 'login');
    if (!input.password) throw new BadUserInputError('Enter your password.', 'password');

    const user = await em.findOne(User, login.includes('@') ? { email: login } : { username: login });
    const valid = await this.passwords.verify(user?.passwordHash ?? null, input.password);
    if (!user || !valid || user.deletedAt) {
      await AuditLog.record(em, { action: AuditAction.SIGN_IN_FAILED, targetUserId: user?.id, client, detail: { login } });
      throw new UnauthenticatedError(WRONG_CREDENTIALS);
    }

    const session = this.sessions.startFamily(em, user, client);
    await em.flush();
    await AuditLog.record(em, { action: AuditAction.SIGN_IN_SUCCEEDED, actorId: user.id, targetUserId: user.id, client });
    return this.sessions.issue(user, session);
  }
}

function conflict(field: 'username' | 'email'): ConflictError {
  return new ConflictError(
    field === 'username' ? 'This username is taken: choose another one.' : 'An account with this email already exists: sign in instead.',
    field,
  );
}
