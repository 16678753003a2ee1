import { requireViewer, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Conversation } from '../entities/conversation.entity.js';
import type { ReceiptService } from '../services/receipt.service.js';

/** `Conversation.unreadCount`; every way to a Conversation has checked membership already. */
@Resolver((_of) => Conversation)
export class ConversationUnreadResolver {
  constructor(private readonly receipts: ReceiptService) {}

  @ViewerDependent()
  @FieldResolver((_returns) => Int, { description: 'For the viewer: messages from others after their read cursor.' })
  unreadCount(@Root() conversation: Conversation, @Ctx() context: RequestContext): Promise<number> {
    return this.receipts.unreadCount(context.em, conversation.id, requireViewer(context).id);
  }
}
