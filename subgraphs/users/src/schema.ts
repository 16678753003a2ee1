import { AccountSecurityResolver } from './resolvers/account-security.resolver.js';
import { AuditEventResolver } from './resolvers/audit-event.resolver.js';
import { AuthResolver } from './resolvers/auth.resolver.js';
import { PresenceResolver } from './resolvers/presence.resolver.js';
import { SessionResolver } from './resolvers/session.resolver.js';
import { resolveUserReference } from './resolvers/user.reference.js';
import { UserResolver } from './resolvers/user.resolver.js';

/** The resolver classes that make up the users subgraph. */
export const usersResolvers = [
  AuthResolver,
  UserResolver,
  PresenceResolver,
  SessionResolver,
  AccountSecurityResolver,
  AuditEventResolver,
] as const;

/** `__resolveReference` by type: how `_entities` turns references into users. */
export const usersReferences = { User: { __resolveReference: resolveUserReference } };
