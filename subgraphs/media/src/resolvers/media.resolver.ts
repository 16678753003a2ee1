import type { RequestContext } from '@chirpchat/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Media } from '../entities/media.entity.js';
import type { MediaLookupService } from '../services/media-lookup.service.js';
import { MediaVariants } from '../types/media-variants.type.js';
import { User } from '../types/user.type.js';

/** The signed URLs of a file: null unless it is READY and the viewer may see it. */
@Resolver((_of) => Media)
export class MediaResolver {
  constructor(private readonly lookup: MediaLookupService) {}

  @FieldResolver((_returns) => String, { nullable: true, description: 'The original; signed and short-lived.' })
  async url(@Root() media: Media, @Ctx() context: RequestContext): Promise<string | null> {
    return (await this.lookup.signed(context, media))?.url ?? null;
  }

  @FieldResolver((_returns) => MediaVariants)
  async variants(@Root() media: Media, @Ctx() context: RequestContext): Promise<MediaVariants> {
    return (await this.lookup.signed(context, media))?.variants ?? new MediaVariants();
  }

  @FieldResolver((_returns) => Date, { nullable: true, description: 'When the URLs stop working; ask again for fresh ones.' })
  async urlsExpireAt(@Root() media: Media, @Ctx() context: RequestContext): Promise<Date | null> {
    return (await this.lookup.signed(context, media))?.expiresAt ?? null;
  }

  @FieldResolver((_returns) => User, { description: 'Who uploaded the file.' })
  uploader(@Root() media: Media): User {
    return { id: media.uploaderId };
  }
}
