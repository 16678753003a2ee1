import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@chirpchat/kit';
import { AuthResolver } from './resolvers/auth.resolver.js';
import { PresenceResolver } from './resolvers/presence.resolver.js';
import { createUserReference } from './resolvers/user.reference.js';
import { UserResolver } from './resolvers/user.resolver.js';
import type { AccountService } from './services/account.service.js';
import type { PresenceService } from './services/presence.service.js';
import type { ProfileService } from './services/profile.service.js';
import type { SessionService } from './services/session.service.js';
import { UserService } from './services/user.service.js';

/** The services the resolvers call; built once per subgraph instance. */
export interface UsersServices {
  accounts: AccountService;
  sessions: SessionService;
  users: UserService;
  profiles: ProfileService;
  presence: PresenceService;
}

/**
 * The subgraph schema. With `services` its resolvers are wired to them; without, it is only
 * good for printing SDL and composing (any resolver that runs would fail).
 */
export function buildSchemaFor(services?: UsersServices): Promise<GraphQLSchema> {
  const resolvers = services
    ? new Map<unknown, object>([
        [AuthResolver, new AuthResolver(services.accounts, services.sessions)],
        [UserResolver, new UserResolver(services.users, services.profiles)],
        [PresenceResolver, new PresenceResolver(services.presence)],
      ])
    : new Map<unknown, object>();
  return buildFederatedSchema(
    {
      resolvers: [AuthResolver, UserResolver, PresenceResolver],
      container: {
        get(resolverClass: unknown) {
          const instance = resolvers.get(resolverClass);
          if (!instance) throw new Error('This users schema was built without services and cannot execute operations.');
          return instance;
        },
      },
    },
    { User: createUserReference(services?.users ?? new UserService()) },
  );
}
