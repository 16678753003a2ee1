import type { RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { SchemaContainer } from '@chirpchat/kit';
import { Message } from '../entities/message.entity.js';
import { MessageEventsService } from '../services/message-events.service.js';

/**
 * Live changes to messages: edits, deletions for everyone and reactions. Like `messageAdded`,
 * access is checked when subscribing and membership again for every event; each event carries
 * the message as it is when the event is delivered.
 */
@Resolver()
export class MessageUpdatedResolver {
  @Subscription((_returns) => Message, {
    description: 'Edits, deletions and reaction changes: in one conversation, or with no argument in every conversation the viewer is in.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, { conversationId?: string | null }, RequestContext>) =>
      SchemaContainer.of(info)
        .get(MessageEventsService)
        .subscribeUpdated(context, args.conversationId ?? null),
  })
  messageUpdated(
    @Root() message: Message,
    @Ctx() context: RequestContext,
    @Arg('conversationId', (_type) => ID, { nullable: true }) _conversationId: string | null,
  ): Message {
    // As for messageAdded: nested fields of each event read current rows through an empty identity map.
    context.em.clear();
    return message;
  }
}
