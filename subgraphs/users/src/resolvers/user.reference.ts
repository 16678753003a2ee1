import { requireViewer, SchemaContainer, type RequestContext } from '@chirpchat/kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { User } from '../entities/user.entity.js';
import { UserService } from '../services/user.service.js';

/**
 * How `_entities` turns `{ __typename: "User", id }` into a user: the router resolves
 * `sender { displayName }` with it, chat checks that user ids exist, and notifications looks
 * senders' display names up for pushes (as a service: see `RequestContext.service`). Profiles
 * are visible to every signed-in user, so the only rule is being signed in, or being one of our
 * own subgraphs; an unknown id gives null. Ids asked for together are loaded with one query.
 * Async, so that refusing one reference fails that entity only, not the whole `_entities` list.
 */
export async function resolveUserReference(
  reference: { id: string },
  context: RequestContext,
  info: GraphQLResolveInfo,
): Promise<User | null> {
  if (!context.service) requireViewer(context);
  return SchemaContainer.of(info).get(UserService).byId(context.em, reference.id);
}
