import { ViewerDependent } from '@chirpchat/kit';
import type { RequestContext } from '@chirpchat/kit';
import { Ctx, Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import { Media } from '../entities/media.entity.js';
import type { MediaLookupService } from '../services/media-lookup.service.js';
import { Message } from '../types/message.type.js';
import { Story } from '../types/story.type.js';
import { User } from '../types/user.type.js';

/**
 * Files that chat's messages and stories and users' profiles point at. Chat and users hold the
 * ids; the router hands them over (`@requires`). Access is checked here on each file, not taken
 * from the caller: a representation sent straight to `_entities` with someone else's ids gets
 * nothing.
 */
@Resolver((_of) => Message)
export class AttachmentsResolver {
  constructor(private readonly lookup: MediaLookupService) {}

  @ViewerDependent()
  @FieldResolver((_returns) => [Media], { description: 'The files sent with the message, in order.' })
  @Directive('@requires(fields: "mediaIds")')
  attachments(@Root() message: Message, @Ctx() context: RequestContext): Promise<Media[]> {
    return this.lookup.visible(context, message.mediaIds ?? []);
  }
}

@Resolver((_of) => Story)
export class StoryMediaResolver {
  constructor(private readonly lookup: MediaLookupService) {}

  @ViewerDependent()
  @FieldResolver((_returns) => Media, { nullable: true })
  @Directive('@requires(fields: "mediaId")')
  async media(@Root() story: Story, @Ctx() context: RequestContext): Promise<Media | null> {
    if (!story.mediaId) return null;
    return (await this.lookup.visible(context, [story.mediaId]))[0] ?? null;
  }
}

@Resolver((_of) => User)
export class AvatarResolver {
  constructor(private readonly lookup: MediaLookupService) {}

  @ViewerDependent()
  @FieldResolver((_returns) => String, { nullable: true, description: 'The profile picture (250×250), signed and short-lived.' })
  @Directive('@requires(fields: "avatarMediaId")')
  async avatarUrl(@Root() user: User, @Ctx() context: RequestContext): Promise<string | null> {
    if (!user.avatarMediaId) return null;
    const [media] = await this.lookup.visible(context, [user.avatarMediaId]);
    if (!media || media.uploaderId !== user.id) return null;
    const signed = await this.lookup.signed(context, media);
    return signed?.variants.thumbnail ?? signed?.url ?? null;
  }
}
