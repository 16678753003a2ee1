import type { RequestContext } from '@chirpchat/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Message } from '../entities/message.entity.js';
import type { ReceiptService } from '../services/receipt.service.js';
import { MessageStatus } from '../types/message-status.enum.js';

/** `Message.status`; every way to a Message has checked membership already. */
@Resolver((_of) => Message)
export class MessageStatusResolver {
  constructor(private readonly receipts: ReceiptService) {}

  @FieldResolver((_returns) => MessageStatus, {
    description: 'As the sender sees it: READ or DELIVERED once every other member has reached this message, else SENT.',
  })
  status(@Root() message: Message, @Ctx() context: RequestContext): Promise<MessageStatus> {
    return this.receipts.status(context.em, message);
  }
}
