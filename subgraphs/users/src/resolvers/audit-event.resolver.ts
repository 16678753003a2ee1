import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { User } from '../entities/user.entity.js';
import { AuditEventsArgs } from '../inputs/audit-events.args.js';
import type { SecurityEventsService } from '../services/security-events.service.js';
import type { UserService } from '../services/user.service.js';
import { AuditEvent } from '../types/audit-event.type.js';

/** The viewer's own security activity; who did what is resolved here, where the users are. */
@Resolver((_of) => AuditEvent)
export class AuditEventResolver {
  constructor(
    private readonly events: SecurityEventsService,
    private readonly users: UserService,
  ) {}

  @Query((_returns) => [AuditEvent], {
    description: 'Sign-ins, refresh-token reuse, password, session and push subscription changes of the viewer’s account, newest first.',
  })
  mySecurityEvents(
    @Ctx() context: RequestContext,
    @Args((_type) => AuditEventsArgs) { first, before }: AuditEventsArgs,
  ): Promise<AuditEvent[]> {
    return this.events.list(context.em, requireViewer(context), first, before);
  }

  @FieldResolver((_returns) => User, { nullable: true, description: 'Who did it; null for the system or someone unknown.' })
  actor(@Root() event: AuditEvent, @Ctx() context: RequestContext): Promise<User | null> | null {
    return event.actorId ? this.users.byId(context.em, event.actorId) : null;
  }

  @FieldResolver((_returns) => User, { nullable: true, description: 'Whom it concerns, when that is a person.' })
  targetUser(@Root() event: AuditEvent, @Ctx() context: RequestContext): Promise<User | null> | null {
    return event.targetUserId ? this.users.byId(context.em, event.targetUserId) : null;
  }
}
