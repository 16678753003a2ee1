import { SchemaContainer, type RequestContext } from '@chirpchat/kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { Media } from '../entities/media.entity.js';
import { MediaLookupService } from '../services/media-lookup.service.js';

/** `_entities` for Media: the file when the viewer may see it, else null — whoever asks, router or not. */
export async function resolveMediaReference(
  reference: { id: string },
  context: RequestContext,
  info: GraphQLResolveInfo,
): Promise<Media | null> {
  const [media] = await SchemaContainer.of(info).get(MediaLookupService).visible(context, [reference.id]);
  return media ?? null;
}

/** Messages, stories and users arrive with the ids media needs (`@requires`); the field resolvers check access. */
export function passReference<T>(reference: T): T {
  return reference;
}
