import { buildFederatedSchema, noTopicPubSub, SchemaContainer } from '@chirpchat/kit';
import type { GraphQLSchema } from 'graphql';
import { AttachmentsResolver, AvatarResolver, StoryMediaResolver } from './resolvers/attachments.resolver.js';
import { MediaLimitsResolver } from './resolvers/media-limits.resolver.js';
import { MediaProcessedResolver } from './resolvers/media-processed.resolver.js';
import { MediaResolver } from './resolvers/media.resolver.js';
import { passReference, resolveMediaReference } from './resolvers/references.js';
import { UploadResolver } from './resolvers/upload.resolver.js';
import { MediaEventsService } from './services/media-events.service.js';
import { MediaLookupService } from './services/media-lookup.service.js';
import type { UploadService } from './services/upload.service.js';
import { Message } from './types/message.type.js';
import { Story } from './types/story.type.js';
import { User } from './types/user.type.js';

/** What the resolvers call; built once per subgraph instance. */
export interface MediaServices {
  uploads: UploadService;
  lookup: MediaLookupService;
  events: MediaEventsService;
}

const resolverClasses = [
  UploadResolver,
  MediaResolver,
  MediaProcessedResolver,
  AttachmentsResolver,
  StoryMediaResolver,
  AvatarResolver,
  MediaLimitsResolver,
] as const;

/**
 * The subgraph schema. With `services` its resolvers are wired to them; without, it is only good
 * for printing SDL and composing.
 */
export async function buildSchemaFor(services?: MediaServices): Promise<GraphQLSchema> {
  const container = new SchemaContainer();
  if (services) {
    container
      .register(UploadResolver, new UploadResolver(services.uploads))
      .register(MediaResolver, new MediaResolver(services.lookup))
      .register(MediaProcessedResolver, new MediaProcessedResolver())
      .register(AttachmentsResolver, new AttachmentsResolver(services.lookup))
      .register(StoryMediaResolver, new StoryMediaResolver(services.lookup))
      .register(AvatarResolver, new AvatarResolver(services.lookup))
      .register(MediaLimitsResolver, new MediaLimitsResolver())
      .register(MediaLookupService, services.lookup)
      .register(MediaEventsService, services.events);
  }
  const schema = await buildFederatedSchema(
    { resolvers: resolverClasses, orphanedTypes: [Message, Story, User], container, pubSub: noTopicPubSub },
    {
      Media: { __resolveReference: resolveMediaReference },
      Message: { __resolveReference: passReference },
      Story: { __resolveReference: passReference },
      User: { __resolveReference: passReference },
    },
  );
  container.attachTo(schema);
  return schema;
}
