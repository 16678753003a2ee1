import { BoundedQueue, createTokenSigner, defineSubgraph, type RunningServer, type SubgraphOptions } from '@chirpchat/kit';
import { mediaDeleteQueue, type PresenceStore } from '@chirpchat/kit/contracts';
import type { GraphQLSchema } from 'graphql';
import { migrations } from '../migrations/index.js';
import { RefreshToken } from './entities/refresh-token.entity.js';
import { User } from './entities/user.entity.js';
import { MediaPeer } from './peers/media.js';
import { AccountSecurityResolver } from './resolvers/account-security.resolver.js';
import { AuditEventResolver } from './resolvers/audit-event.resolver.js';
import { AuthResolver } from './resolvers/auth.resolver.js';
import { PresenceResolver } from './resolvers/presence.resolver.js';
import { SessionResolver } from './resolvers/session.resolver.js';
import { UserResolver } from './resolvers/user.resolver.js';
import { usersReferences, usersResolvers } from './schema.js';
import { AccountSecurityService } from './services/account-security.service.js';
import { AccountService } from './services/account.service.js';
import { MediaDirectoryService } from './services/media-directory.service.js';
import { PasswordService } from './services/password.service.js';
import { PresenceService } from './services/presence.service.js';
import { ProfileService } from './services/profile.service.js';
import { SecurityEventsService } from './services/security-events.service.js';
import { SessionService } from './services/session.service.js';
import { UserService } from './services/user.service.js';

export interface UsersOptions extends SubgraphOptions {
  /** PEM (PKCS#8) Ed25519 private key; only this subgraph signs access tokens. */
  jwtPrivateKey: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /**
   * Where the routers record who holds a live socket, read for `User.presence`. Owned (and
   * closed) by the caller; in one process, the same instance the router writes to.
   */
  presence: PresenceStore;
  /**
   * The media subgraph's GraphQL endpoint, asked about a file before it becomes a profile picture.
   * Without it, setting `avatarMediaId` is refused with BAD_USER_INPUT (clearing it still works).
   */
  mediaUrl?: string;
  /**
   * How many password hashes run at once and how many may wait (see PasswordService).
   * @default half the cores at once, 32 waiting
   */
  passwordHashing?: { concurrency?: number; queue?: number };
}

/**
 * The users subgraph: accounts, sessions, profiles, presence. It enqueues "media delete" when a
 * profile picture is replaced; media, the consumer, runs the queue's maintenance.
 */
export const usersSubgraph = defineSubgraph<UsersOptions>({
  name: 'users',
  entities: [User, RefreshToken],
  migrations,
  resolvers: usersResolvers,
  references: usersReferences,
  jobs: () => ({ poolSize: 2, maintenance: false, queues: [mediaDeleteQueue] }),
  async wire({ options, jobs, logger, rateLimits, revocations }) {
    const sessions = new SessionService({
      signAccessToken: await createTokenSigner(options.jwtPrivateKey, options.accessTokenTtlSeconds),
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      refreshTokenTtlDays: options.refreshTokenTtlDays,
      revocations,
      logger,
    });
    const passwords = new PasswordService(new BoundedQueue(options.passwordHashing?.concurrency, options.passwordHashing?.queue));
    const users = new UserService();
    const media = new MediaDirectoryService(
      new MediaPeer(options.mediaUrl ? { url: options.mediaUrl, routerSecret: options.routerSecret } : null),
    );
    return {
      provide: [
        users,
        new AuthResolver(new AccountService(passwords, sessions), sessions, rateLimits),
        new SessionResolver(sessions),
        new AccountSecurityResolver(new AccountSecurityService(passwords, sessions)),
        new UserResolver(users, new ProfileService(media, jobs), rateLimits),
        new PresenceResolver(new PresenceService(options.presence)),
        new AuditEventResolver(new SecurityEventsService(), users),
      ],
    };
  },
});

/** Builds the users subgraph (see `defineSubgraph`): the server, not yet listening. */
export function createUsers(options: UsersOptions): Promise<RunningServer> {
  return usersSubgraph.create(options);
}

/** The subgraph schema without any database, for printing SDL and composition. */
export function buildUsersSchema(): Promise<GraphQLSchema> {
  return usersSubgraph.schema();
}
