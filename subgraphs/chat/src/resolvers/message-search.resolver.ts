import { requireViewer, type RateLimits, type RequestContext } from '@chirpchat/kit';
import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { Message } from '../entities/message.entity.js';
import { SearchMessagesArgs } from '../inputs/search-messages.args.js';
import type { MessageSearchService } from '../services/message-search.service.js';

/** Full-text search over the viewer's conversations. */
@Resolver()
export class MessageSearchResolver {
  constructor(
    private readonly search: MessageSearchService,
    private readonly limits: RateLimits,
  ) {}

  @Query((_returns) => [Message], { description: 'Best match first, then newest; only conversations the viewer is in.' })
  async searchMessages(
    @Ctx() context: RequestContext,
    @Args((_type) => SearchMessagesArgs) { query, conversationId, first }: SearchMessagesArgs,
  ): Promise<Message[]> {
    const viewer = requireViewer(context);
    await this.limits.consume('search', viewer.id);
    return this.search.search(context.em, viewer, query, conversationId, first);
  }
}
