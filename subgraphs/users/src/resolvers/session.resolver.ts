import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { SessionService } from '../services/session.service.js';
import { Session } from '../types/session.type.js';

/** The viewer's signed-in devices, and signing one of them out. */
@Resolver((_of) => Session)
export class SessionResolver {
  constructor(private readonly sessions: SessionService) {}

  @Query((_returns) => [Session], { description: 'The devices signed in to this account, most recently used first.' })
  mySessions(@Ctx() context: RequestContext): Promise<Session[]> {
    return this.sessions.list(context.em, requireViewer(context));
  }

  /** Its access tokens and live sockets stop at once; another user's session is NOT_FOUND. */
  @Mutation((_returns) => Boolean, { description: 'Signs one of your sessions out at once (its tokens and sockets stop).' })
  revokeSession(@Arg('id', (_type) => ID) id: string, @Ctx() context: RequestContext): Promise<boolean> {
    return this.sessions.revokeSession(context.em, requireViewer(context), id, context.client);
  }
}
