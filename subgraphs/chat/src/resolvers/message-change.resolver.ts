import { requireViewer, type RateLimits, type RequestContext } from '@chirpchat/kit';
import { Args, Ctx, Mutation, Resolver } from 'type-graphql';
import { Message } from '../entities/message.entity.js';
import { DeleteMessageArgs } from '../inputs/delete-message.args.js';
import { EditMessageArgs } from '../inputs/edit-message.args.js';
import { ReactionArgs } from '../inputs/reaction.args.js';
import type { MessageChangeService } from '../services/message-change.service.js';
import type { ReactionService } from '../services/reaction.service.js';

/** Changing sent messages: edits, deletes and reactions. Each change reaches members as `messageUpdated`. */
@Resolver()
export class MessageChangeResolver {
  constructor(
    private readonly changes: MessageChangeService,
    private readonly reactions: ReactionService,
    private readonly limits: RateLimits,
  ) {}

  @Mutation((_returns) => Message, { description: 'The sender only; sets editedAt and reads the mentions again.' })
  editMessage(@Ctx() context: RequestContext, @Args((_type) => EditMessageArgs) { id, text }: EditMessageArgs): Promise<Message> {
    return this.changes.edit(context.em, requireViewer(context), id, text, context.authorization);
  }

  @Mutation((_returns) => Message, {
    description: 'forEveryone (default): a tombstone, by the sender or a group/channel OWNER or ADMIN. false: hidden for the viewer only.',
  })
  deleteMessage(
    @Ctx() context: RequestContext,
    @Args((_type) => DeleteMessageArgs) { id, forEveryone }: DeleteMessageArgs,
  ): Promise<Message> {
    return this.changes.delete(context.em, requireViewer(context), id, forEveryone ?? true, context.client);
  }

  @Mutation((_returns) => Message, { description: 'Exactly one emoji; adding the same one again changes nothing.' })
  async addReaction(@Ctx() context: RequestContext, @Args((_type) => ReactionArgs) { messageId, emoji }: ReactionArgs): Promise<Message> {
    const viewer = requireViewer(context);
    await this.limits.consume('reaction', viewer.id);
    return this.reactions.add(context.em, viewer, messageId, emoji);
  }

  @Mutation((_returns) => Message, { description: 'Removing a reaction that is not there changes nothing.' })
  async removeReaction(
    @Ctx() context: RequestContext,
    @Args((_type) => ReactionArgs) { messageId, emoji }: ReactionArgs,
  ): Promise<Message> {
    const viewer = requireViewer(context);
    await this.limits.consume('reaction', viewer.id);
    return this.reactions.remove(context.em, viewer, messageId, emoji);
  }
}
