import { requireViewer, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { MuteService } from '../services/mute.service.js';
import { Conversation } from '../types/conversation.type.js';

/** The viewer's mute state of a conversation. */
@Resolver((_of) => Conversation)
export class ConversationResolver {
  constructor(private readonly mutes: MuteService) {}

  @ViewerDependent()
  @FieldResolver((_returns) => Boolean, { description: 'Whether the viewer muted this conversation’s notifications.' })
  async muted(@Root() conversation: Conversation, @Ctx() context: RequestContext): Promise<boolean> {
    return (await this.mutes.state(context.em, requireViewer(context), conversation.id)).muted;
  }

  @ViewerDependent()
  @FieldResolver((_returns) => Date, { nullable: true, description: 'When the mute ends; null when not muted or muted until unmuted.' })
  async mutedUntil(@Root() conversation: Conversation, @Ctx() context: RequestContext): Promise<Date | null> {
    return (await this.mutes.state(context.em, requireViewer(context), conversation.id)).until;
  }
}
