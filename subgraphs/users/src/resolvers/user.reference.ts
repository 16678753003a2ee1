import { requireViewer, type RequestContext } from '@chirpchat/kit';
import type { User } from '../entities/user.entity.js';
import type { UserService } from '../services/user.service.js';

/**
 * How `_entities` turns `{ __typename: "User", id }` into a user: the router resolves
 * `sender { displayName }` with it and other subgraphs check that user ids exist. Profiles
 * are visible to every signed-in user, so the only rule is being signed in; an unknown id
 * gives null. Ids asked for together are loaded with one query.
 */
export function createUserReference(users: UserService) {
  return {
    /** Async, so that refusing one reference fails that entity only, not the whole `_entities` list. */
    async __resolveReference(reference: { id: string }, context: RequestContext): Promise<User | null> {
      requireViewer(context);
      return users.byId(context.em, reference.id);
    },
  };
}
