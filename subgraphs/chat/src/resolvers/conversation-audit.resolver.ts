import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { ConversationAuditLogArgs } from '../inputs/conversation-audit-log.args.js';
import type { ConversationAuditService } from '../services/conversation-audit.service.js';
import { AuditEvent } from '../types/audit-event.type.js';
import { User } from '../types/user.type.js';

/** A conversation's audit log, for its owners; people are references the router resolves in users. */
@Resolver((_of) => AuditEvent)
export class ConversationAuditResolver {
  constructor(private readonly audit: ConversationAuditService) {}

  @Query((_returns) => [AuditEvent], {
    description: 'OWNERs only: members added, removed and leaving, role changes and deletions for everyone, newest first.',
  })
  conversationAuditLog(
    @Ctx() context: RequestContext,
    @Args((_type) => ConversationAuditLogArgs) { conversationId, first, before }: ConversationAuditLogArgs,
  ): Promise<AuditEvent[]> {
    return this.audit.list(context.em, requireViewer(context), conversationId, first, before);
  }

  @FieldResolver((_returns) => User, { nullable: true, description: 'Who did it; null for the system or someone unknown.' })
  actor(@Root() event: AuditEvent): User | null {
    return event.actorId ? { id: event.actorId } : null;
  }

  @FieldResolver((_returns) => User, { nullable: true, description: 'Whom it concerns, when that is a person.' })
  targetUser(@Root() event: AuditEvent): User | null {
    return event.targetUserId ? { id: event.targetUserId } : null;
  }
}
