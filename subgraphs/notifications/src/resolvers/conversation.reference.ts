import { requireViewer, type RequestContext } from '@chirpchat/kit';
import type { Conversation } from '../types/conversation.type.js';

/**
 * `_entities` for Conversation. The fields here are the viewer's own mute state, which says
 * nothing about the conversation; the router only asks after chat has resolved the conversation
 * for the viewer, which chat does for members only.
 */
export async function resolveConversationReference(reference: { id: string }, context: RequestContext): Promise<Conversation> {
  requireViewer(context);
  return { id: reference.id };
}
