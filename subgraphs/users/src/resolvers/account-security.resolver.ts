import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { ChangePasswordInput } from '../inputs/change-password.input.js';
import type { AccountSecurityService } from '../services/account-security.service.js';
import { AuthPayload } from '../types/auth-payload.type.js';
import { markSignedIn } from './self.js';

/** Changing the password and deleting the account: both sign every session out. */
@Resolver()
export class AccountSecurityResolver {
  constructor(private readonly security: AccountSecurityService) {}

  /** Every session is signed out, this one included; the answer is the pair for this device's new session. */
  @Mutation((_returns) => AuthPayload)
  async changePassword(
    @Arg('input', (_type) => ChangePasswordInput) input: ChangePasswordInput,
    @Ctx() context: RequestContext,
  ): Promise<AuthPayload> {
    const payload = await this.security.changePassword(context.em, requireViewer(context), input, context.client);
    markSignedIn(context, payload.user.id);
    return payload;
  }

  /** Messages stay, from a deleted user; every session stops at once. */
  @Mutation((_returns) => Boolean)
  deleteAccount(@Arg('password', (_type) => String) password: string, @Ctx() context: RequestContext): Promise<boolean> {
    return this.security.deleteAccount(context.em, requireViewer(context), password, context.client);
  }
}
