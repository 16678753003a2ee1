import { requireViewer, type RequestContext } from '@chirpchat/kit';
import type { User } from '../types/user.type.js';

/**
 * `_entities` for User: any id gives a user reference, because what chat says about a person
 * (`sharesConversationWithMe`) is about the viewer's own conversations and reveals nothing else.
 * Async, so refusing one reference (no viewer) fails that entity only.
 */
export async function resolveUserReference(reference: { id: string }, context: RequestContext): Promise<User> {
  requireViewer(context);
  return { id: reference.id };
}
