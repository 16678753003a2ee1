import { requireViewer, type RateLimits, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Conversation } from '../entities/conversation.entity.js';
import { Message } from '../entities/message.entity.js';
import { MessagesSinceArgs } from '../inputs/messages-since.args.js';
import { SendMessageInput } from '../inputs/send-message.input.js';
import type { MembershipService } from '../services/membership.service.js';
import type { MessageService } from '../services/message.service.js';
import { User } from '../types/user.type.js';

/** Messages. Every way to reach a `Message` checks that the viewer is in its conversation. */
@Resolver((_of) => Message)
export class MessageResolver {
  constructor(
    private readonly messageService: MessageService,
    private readonly membership: MembershipService,
    private readonly limits: RateLimits,
  ) {}

  @Query((_returns) => Message, { nullable: true })
  message(@Ctx() context: RequestContext, @Arg('id', (_type) => ID) id: string): Promise<Message> {
    return this.messageService.get(context.em, requireViewer(context), id);
  }

  @Query((_returns) => [Message], { description: 'Gap-free catch-up: the messages after afterSeq, ascending seq.' })
  messagesSince(
    @Ctx() context: RequestContext,
    @Args((_type) => MessagesSinceArgs) { conversationId, afterSeq, first }: MessagesSinceArgs,
  ): Promise<Message[]> {
    return this.messageService.since(context.em, requireViewer(context), conversationId, afterSeq, first);
  }

  @Mutation((_returns) => Message, { description: 'The same (sender, clientId) again returns the first message.' })
  async sendMessage(@Ctx() context: RequestContext, @Arg('input', (_type) => SendMessageInput) input: SendMessageInput): Promise<Message> {
    const viewer = requireViewer(context);
    // Before anything is read or stored: a refused send stores nothing, and its clientId can be sent again later.
    await this.limits.consumeSend(viewer.id, input.conversationId);
    return this.messageService.send(context.em, viewer, input, context.authorization);
  }

  @ViewerDependent()
  @FieldResolver((_returns) => Conversation)
  async conversation(@Root() message: Message, @Ctx() context: RequestContext): Promise<Conversation> {
    return (await this.membership.require(context.em, message.conversationId, requireViewer(context).id)).conversation;
  }

  @FieldResolver((_returns) => User)
  sender(@Root() message: Message): User {
    return { id: message.senderId };
  }
}
