import { type RateLimits, type RequestContext, requireViewer, SchemaContainer } from '@chirpchat/kit';
import { Arg, Args, Ctx, ID, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { SetTypingArgs } from '../inputs/set-typing.args.js';
import { TypingService, type TypingBusEvent } from '../services/typing.service.js';
import { TypingEvent } from '../types/typing-event.type.js';

/** Typing indicators: nothing stored, only passed on to the other members. */
@Resolver()
export class TypingResolver {
  constructor(
    private readonly typingService: TypingService,
    private readonly limits: RateLimits,
  ) {}

  @Mutation((_returns) => Boolean, {
    description: 'Tells the other members the viewer is typing; repeat every few seconds while typing, or it expires by itself.',
  })
  async setTyping(
    @Ctx() context: RequestContext,
    @Args((_type) => SetTypingArgs) { conversationId, typing }: SetTypingArgs,
  ): Promise<boolean> {
    const viewer = requireViewer(context);
    await this.limits.consume('typing', viewer.id);
    return this.typingService.set(context.em, viewer, conversationId, typing);
  }

  @Subscription((_returns) => TypingEvent, {
    description: 'Other members starting and stopping to type; typing: false also comes when a typing state expires.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, { conversationId: string }, RequestContext>) =>
      SchemaContainer.of(info).get(TypingService).subscribe(context, args.conversationId),
  })
  typing(@Root() event: TypingBusEvent, @Arg('conversationId', (_type) => ID) _conversationId: string): TypingEvent {
    return { conversationId: event.conversationId, user: { id: event.userId }, typing: event.typing };
  }
}
