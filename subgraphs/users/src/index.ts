import type { GraphQLSchema } from 'graphql';
import {
  createSubgraphServer,
  createTokenSigner,
  createTokenVerifier,
  JobQueue,
  mediaDeleteQueue,
  openDatabase,
  type Logger,
  type PresenceStore,
  type RunningServer,
} from '@chirpchat/kit';
import { migrations } from '../migrations/index.js';
import { RefreshToken } from './entities/refresh-token.entity.js';
import { User } from './entities/user.entity.js';
import { buildSchemaFor } from './schema.js';
import { AccountService } from './services/account.service.js';
import { MediaDirectoryService } from './services/media-directory.service.js';
import { PasswordService } from './services/password.service.js';
import { PresenceService } from './services/presence.service.js';
import { ProfileService } from './services/profile.service.js';
import { SessionService } from './services/session.service.js';
import { UserService } from './services/user.service.js';

export interface UsersOptions {
  /** PostgreSQL; the subgraph keeps its tables in the `users` schema. */
  databaseUrl: string;
  /** Shared with the router: requests without it are refused. */
  routerSecret: string;
  /** PEM (SPKI) Ed25519 public key that verifies access tokens. */
  jwtPublicKey: string;
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
  logger: Logger;
  /** Hides internal errors and turns introspection off. */
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
}

/**
 * Builds the users subgraph: opens the database and applies the committed migrations, starts the
 * job queue it enqueues "media delete" events on (a replaced profile picture), wires the
 * services, and returns the server (not yet listening). `close()` also closes the queue and the ORM.
 */
export async function createUsers(options: UsersOptions): Promise<RunningServer> {
  const { logger } = options;
  const orm = await openDatabase({ url: options.databaseUrl, schema: 'users', entities: [User, RefreshToken], migrations, logger });
  // Users only enqueues: the consumer (media) runs the queue's maintenance.
  const jobs = await JobQueue.start({
    databaseUrl: options.databaseUrl,
    logger,
    poolSize: 2,
    maintenance: false,
    queues: [mediaDeleteQueue],
  }).catch(async (error: unknown) => {
    await orm.close();
    throw error;
  });
  try {
    const sessions = new SessionService({
      signAccessToken: await createTokenSigner(options.jwtPrivateKey, options.accessTokenTtlSeconds),
      refreshTokenTtlDays: options.refreshTokenTtlDays,
      logger,
    });
    const services = {
      accounts: new AccountService(new PasswordService(), sessions),
      sessions,
      users: new UserService(),
      profiles: new ProfileService(new MediaDirectoryService({ mediaUrl: options.mediaUrl, routerSecret: options.routerSecret }), jobs),
      presence: new PresenceService(options.presence),
    };
    return createSubgraphServer({
      name: 'users',
      schema: await buildSchemaFor(services),
      orm,
      routerSecret: options.routerSecret,
      verifyToken: await createTokenVerifier(options.jwtPublicKey),
      logger,
      production: options.production,
      host: options.host,
      port: options.port,
      onClose: async () => {
        await jobs.stop();
        await orm.close();
      },
    });
  } catch (error) {
    await jobs.stop();
    await orm.close();
    throw error;
  }
}

/** The subgraph schema without any database, for printing SDL and composition. */
export function buildUsersSchema(): Promise<GraphQLSchema> {
  return buildSchemaFor();
}
