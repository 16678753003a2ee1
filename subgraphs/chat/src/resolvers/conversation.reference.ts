import { type RequestContext, requireViewer, SchemaContainer } from '@chirpchat/kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { Conversation } from '../entities/conversation.entity.js';
import { MembershipService } from '../services/membership.service.js';

/** `_entities` for Conversation: null unless the viewer is a member, so it never reveals what they may not see. */
export async function resolveConversationReference(
  reference: { id: string },
  context: RequestContext,
  // Optional only for kit's ReferenceResolvers type; @apollo/subgraph always passes it.
  info?: GraphQLResolveInfo,
): Promise<Conversation | null> {
  const viewer = requireViewer(context);
  return SchemaContainer.of(info).get(MembershipService).visible(context.em, reference.id, viewer.id);
}
