import { SchemaContainer, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Arg, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Media } from '../entities/media.entity.js';
import { MediaEventsService } from '../services/media-events.service.js';

@Resolver()
export class MediaProcessedResolver {
  @ViewerDependent()
  @Subscription((_returns) => Media, {
    description:
      'A file became READY (or FAILED). With conversationId: files in that conversation, for its members; without: the viewer’s own uploads.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, { conversationId?: string | null }, RequestContext>) =>
      SchemaContainer.of(info)
        .get(MediaEventsService)
        .subscribe(context, args.conversationId ?? null),
  })
  mediaProcessed(@Root() media: Media, @Arg('conversationId', (_type) => ID, { nullable: true }) _conversationId?: string): Media {
    return media;
  }
}
