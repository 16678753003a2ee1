import { AttachmentsResolver, AvatarResolver, StoryMediaResolver } from './resolvers/attachments.resolver.js';
import { MediaLimitsResolver } from './resolvers/media-limits.resolver.js';
import { MediaProcessedResolver } from './resolvers/media-processed.resolver.js';
import { MediaResolver } from './resolvers/media.resolver.js';
import { passReference, resolveMediaReference } from './resolvers/references.js';
import { UploadResolver } from './resolvers/upload.resolver.js';
import { Message } from './types/message.type.js';
import { Story } from './types/story.type.js';
import { User } from './types/user.type.js';

/** The resolver classes that make up the media subgraph. */
export const mediaResolvers = [
  UploadResolver,
  MediaResolver,
  MediaProcessedResolver,
  AttachmentsResolver,
  StoryMediaResolver,
  AvatarResolver,
  MediaLimitsResolver,
] as const;

/** Reached only through other subgraphs' fields. */
export const mediaOrphanedTypes = [Message, Story, User] as const;

/** `__resolveReference` by type. */
export const mediaReferences = {
  Media: { __resolveReference: resolveMediaReference },
  Message: { __resolveReference: passReference },
  Story: { __resolveReference: passReference },
  User: { __resolveReference: passReference },
};
