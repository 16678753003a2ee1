import { UnauthenticatedError, type RateLimits, type RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { LoginInput } from '../inputs/login.input.js';
import { RegisterInput } from '../inputs/register.input.js';
import type { AccountService } from '../services/account.service.js';
import type { SessionService } from '../services/session.service.js';
import { AuthPayload } from '../types/auth-payload.type.js';
import { markSignedIn } from './self.js';

/** Sign-up, sign-in and sessions: the mutations that need no access token. */
@Resolver()
export class AuthResolver {
  constructor(
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    private readonly limits: RateLimits,
  ) {}

  /** At most `register` new accounts per client address (RATE_LIMITED past it, nothing stored). */
  @Mutation((_returns) => AuthPayload)
  async register(@Arg('input', (_type) => RegisterInput) input: RegisterInput, @Ctx() context: RequestContext): Promise<AuthPayload> {
    await this.limits.consume('register', context.client.address ?? 'unknown');
    return signedIn(context, await this.accounts.register(context.em, input, context.client));
  }

  /**
   * An account name in back-off, or an address with too many wrong passwords, is refused before
   * its password is hashed; each wrong password lengthens the back-off (see RateLimits).
   */
  @Mutation((_returns) => AuthPayload)
  async login(@Arg('input', (_type) => LoginInput) input: LoginInput, @Ctx() context: RequestContext): Promise<AuthPayload> {
    const account = input.login.trim().toLowerCase();
    const { address } = context.client;
    await this.limits.beforeSignIn(account, address);
    try {
      const payload = await this.accounts.login(context.em, input, context.client);
      await this.limits.signInSucceeded(account);
      return signedIn(context, payload);
    } catch (error) {
      if (error instanceof UnauthenticatedError) await this.limits.signInFailed(account, address);
      throw error;
    }
  }

  /** Rotates: the token given is spent; replaying a spent token signs its whole family out. */
  @Mutation((_returns) => AuthPayload)
  async refreshSession(@Arg('refreshToken', (_type) => String) refreshToken: string, @Ctx() context: RequestContext): Promise<AuthPayload> {
    return signedIn(context, await this.sessions.refresh(context.em, refreshToken, context.client));
  }

  /** Revokes the session the token belongs to; false when the token is not known at all. */
  @Mutation((_returns) => Boolean)
  logout(@Arg('refreshToken', (_type) => String) refreshToken: string, @Ctx() context: RequestContext): Promise<boolean> {
    return this.sessions.logout(context.em, refreshToken, context.client);
  }
}

function signedIn(context: RequestContext, payload: AuthPayload): AuthPayload {
  markSignedIn(context, payload.user.id);
  return payload;
}
