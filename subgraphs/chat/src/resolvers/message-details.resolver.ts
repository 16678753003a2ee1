import { requireViewer, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Message } from '../entities/message.entity.js';
import type { MessageDetailsService } from '../services/message-details.service.js';
import { ReactionSummary } from '../types/reaction-summary.type.js';
import { User } from '../types/user.type.js';

/**
 * Replies, mentions, reactions and hiding. Every way to reach a `Message` has checked that the
 * viewer is in its conversation, and replies stay within it, so these do not check again.
 */
@Resolver((_of) => Message)
export class MessageDetailsResolver {
  constructor(private readonly details: MessageDetailsService) {}

  @ViewerDependent()
  @FieldResolver((_returns) => Message, { nullable: true, description: 'The message this one answers; a tombstone when that was deleted.' })
  replyTo(@Root() message: Message, @Ctx() context: RequestContext): Promise<Message | null> {
    return this.details.replyTo(context.em, requireViewer(context).id, message.replyToId);
  }

  @FieldResolver((_returns) => [User], { description: 'Members named with @username in the text, in order of first mention.' })
  mentions(@Root() message: Message): User[] {
    return message.mentionIds.map((id) => ({ id }));
  }

  @ViewerDependent()
  @FieldResolver((_returns) => [ReactionSummary], { description: 'Grouped by emoji, in order of first use.' })
  reactions(@Root() message: Message, @Ctx() context: RequestContext): Promise<ReactionSummary[]> {
    return this.details.reactions(context.em, requireViewer(context).id, message.id);
  }

  @ViewerDependent()
  @FieldResolver((_returns) => Boolean, {
    description:
      'True when the viewer deleted this message for themselves only; such messages appear only in messagesSince and message(id).',
  })
  hiddenForMe(@Root() message: Message, @Ctx() context: RequestContext): Promise<boolean> {
    return this.details.hiddenForMe(context.em, requireViewer(context).id, message.id);
  }
}
