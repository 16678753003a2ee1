import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Arg, Args, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { MuteConversationArgs } from '../inputs/mute-conversation.args.js';
import type { MuteService } from '../services/mute.service.js';

/** Muting a conversation's push notifications. */
@Resolver()
export class MuteResolver {
  constructor(private readonly mutes: MuteService) {}

  @Mutation((_returns) => Boolean, { description: 'No pushes for the conversation until `until`, or until unmuted when it is left out.' })
  muteConversation(
    @Ctx() context: RequestContext,
    @Args((_type) => MuteConversationArgs) { conversationId, until }: MuteConversationArgs,
  ): Promise<boolean> {
    return this.mutes.mute(context.em, requireViewer(context), conversationId, until ?? null, context.authorization);
  }

  @Mutation((_returns) => Boolean)
  unmuteConversation(@Ctx() context: RequestContext, @Arg('conversationId', (_type) => ID) conversationId: string): Promise<boolean> {
    return this.mutes.unmute(context.em, requireViewer(context), conversationId);
  }
}
