import { type RequestContext, requireViewer, SchemaContainer } from '@chirpchat/kit';
import { Arg, Args, Ctx, ID, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { ReceiptArgs } from '../inputs/receipt.args.js';
import { ReceiptService, type ReceiptBusEvent } from '../services/receipt.service.js';
import { ReceiptEvent } from '../types/receipt-event.type.js';
import { ReceiptKind } from '../types/receipt-kind.enum.js';

/** Delivered and read cursors: moving them, and hearing when the others move theirs. */
@Resolver()
export class ReceiptResolver {
  constructor(private readonly receipts: ReceiptService) {}

  @Mutation((_returns) => Boolean, { description: 'The viewer has received the messages up to seq. Cursors only move forward.' })
  markDelivered(@Ctx() context: RequestContext, @Args((_type) => ReceiptArgs) { conversationId, seq }: ReceiptArgs): Promise<boolean> {
    return this.receipts.mark(context.em, requireViewer(context), conversationId, seq, ReceiptKind.DELIVERED);
  }

  @Mutation((_returns) => Boolean, { description: 'The viewer has seen the messages up to seq (which also marks them delivered).' })
  markRead(@Ctx() context: RequestContext, @Args((_type) => ReceiptArgs) { conversationId, seq }: ReceiptArgs): Promise<boolean> {
    return this.receipts.mark(context.em, requireViewer(context), conversationId, seq, ReceiptKind.READ);
  }

  @Subscription((_returns) => ReceiptEvent, {
    description: 'Other members’ cursors moving: in one conversation, or with no argument in every conversation the viewer is in.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, { conversationId?: string | null }, RequestContext>) =>
      SchemaContainer.of(info)
        .get(ReceiptService)
        .subscribe(context, args.conversationId ?? null),
  })
  receiptUpdated(
    @Root() event: ReceiptBusEvent,
    @Arg('conversationId', (_type) => ID, { nullable: true }) _conversationId: string | null,
  ): ReceiptEvent {
    return { conversationId: event.conversationId, user: { id: event.userId }, kind: event.kind, seq: event.seq };
  }
}
