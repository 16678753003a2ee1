import { type RequestContext, requireViewer, SchemaContainer } from '@chirpchat/kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { Message } from '../entities/message.entity.js';
import { MessageService } from '../services/message.service.js';

/** `_entities` for Message: null unless the viewer is in the message's conversation. */
export async function resolveMessageReference(
  reference: { id: string },
  context: RequestContext,
  // Optional only for kit's ReferenceResolvers type; @apollo/subgraph always passes it.
  info?: GraphQLResolveInfo,
): Promise<Message | null> {
  const viewer = requireViewer(context);
  return SchemaContainer.of(info).get(MessageService).visible(context.em, viewer, reference.id);
}
