import { type RequestContext, requireViewer, SchemaContainer } from '@chirpchat/kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { Story } from '../entities/story.entity.js';
import { StoryService } from '../services/story.service.js';

/** `_entities` for Story: null unless it has not expired and the viewer may see it (they share a conversation with its author). */
export async function resolveStoryReference(
  reference: { id: string },
  context: RequestContext,
  // Optional only for kit's ReferenceResolvers type; @apollo/subgraph always passes it.
  info?: GraphQLResolveInfo,
): Promise<Story | null> {
  const viewer = requireViewer(context);
  return SchemaContainer.of(info).get(StoryService).find(context.em, viewer, reference.id);
}
