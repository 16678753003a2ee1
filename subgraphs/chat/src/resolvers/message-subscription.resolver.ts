import type { RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { SchemaContainer } from '@chirpchat/kit';
import { Message } from '../entities/message.entity.js';
import { MessageEventsService, type MessageAddedEvent } from '../services/message-events.service.js';

/**
 * Live messages. The subscribe function checks access before anything is subscribed (so the
 * client gets FORBIDDEN at once) and returns a channel that re-checks membership per event.
 */
@Resolver()
export class MessageSubscriptionResolver {
  @Subscription((_returns) => Message, {
    description: 'New messages: in one conversation, or with no argument in every conversation the viewer is in.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, { conversationId?: string | null }, RequestContext>) =>
      SchemaContainer.of(info)
        .get(MessageEventsService)
        .subscribeAdded(context, args.conversationId ?? null),
  })
  messageAdded(
    @Root() event: MessageAddedEvent,
    @Ctx() context: RequestContext,
    @Arg('conversationId', (_type) => ID, { nullable: true }) _conversationId: string | null,
  ): Message {
    // The operation's EntityManager lives as long as the subscription: start each event with an
    // empty identity map so nested fields read current rows and memory does not grow.
    context.em.clear();
    return MessageEventsService.toMessage(event);
  }
}
