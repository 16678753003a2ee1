import type { MigrationObject } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { BuildSchemaOptions } from 'type-graphql';
import { ensureAuditLog } from './audit.js';
import { createTokenVerifier } from './auth.js';
import { noTopicPubSub, SchemaContainer } from './container.js';
import { openDatabase } from './database.js';
import { buildFederatedSchema, type ReferenceResolvers } from './federation.js';
import { JobQueue, type JobQueueOptions } from './jobs.js';
import type { Logger } from './logger.js';
import { RateLimits } from './rate-limits.js';
import { createRevocationView, type RevocationView } from './revocation.js';
import { createSubgraphServer, type RunningServer } from './server.js';

/** What every subgraph is started with, whatever else it needs. */
export interface SubgraphOptions {
  /** PostgreSQL; the subgraph keeps its tables in the schema named after it. */
  databaseUrl: string;
  /** Shared with the router: the subgraph answers nobody else, and sends it to the subgraphs it calls. */
  routerSecret: string;
  /** PEM (SPKI) Ed25519 public key that verifies the users' access tokens. */
  jwtPublicKey: string;
  logger: Logger;
  /** Hides internal error details and turns introspection off. */
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /**
   * The rate limits, owned by the caller (the product shares one, in Redis when configured).
   * @default the default limits, counted in this process
   */
  rateLimits?: RateLimits;
  /**
   * Revoked sessions and token generations, consulted after every token check; owned by the
   * caller (one per process, shared with the router in the embedded product).
   * @default a view of this subgraph's own, which knows only what this subgraph revokes
   */
  revocations?: RevocationView;
}

/** What a subgraph's `wire` receives: its options and the infrastructure kit opened for it. */
export interface SubgraphInfrastructure<Options extends SubgraphOptions> {
  options: Options;
  /** The subgraph's ORM, migrated; its `em` is the root EntityManager (fork it per unit of work). */
  orm: MikroORM;
  /** The subgraph's job queue (`jobs`): every subgraph enqueues on or consumes from one. */
  jobs: JobQueue;
  /** The subgraph's logger (`subgraph: <name>`). */
  logger: Logger;
  /** Where the subgraph counts what callers do, to refuse floods (RATE_LIMITED). */
  rateLimits: RateLimits;
  /** The revocations its token checks consult (`options.revocations`, or its own); users writes to it. */
  revocations: RevocationView;
}

/** The running parts of a subgraph that `wire` returns. */
export interface SubgraphWiring {
  /**
   * Resolver instances and the services that subscription `subscribe` functions and
   * `__resolveReference`s look up with `SchemaContainer.of(info).get(Class)`, each registered
   * under its own class.
   */
  provide: readonly object[];
  /** Plain HTTP routes of the subgraph (media's uploads, files and webhook), behind the router secret. */
  routes?: (router: express.Router) => void;
  /** Starts background work (job workers, timers) once the server listens. */
  start?: () => Promise<void> | void;
  /** Stops that work; runs before the job queue and the ORM close. */
  stop?: () => Promise<void> | void;
  /** What `GET /health` adds to its answer (chat and media: whether live delivery is degraded, from their bus). */
  health?: () => Record<string, unknown>;
  /** Frees what the services hold (sockets, agents), after the job queue stopped and before the ORM closes; also when never started. */
  release?: () => Promise<void> | void;
}

export interface SubgraphDefinition<Options extends SubgraphOptions> {
  /** The subgraph's name as composition knows it; also its PostgreSQL schema and log name. */
  name: string;
  /** MikroORM entity classes, in the subgraph's PostgreSQL schema. */
  entities: ReadonlyArray<new (...args: never[]) => object>;
  /** The committed migrations, oldest first, applied on start. */
  migrations: readonly MigrationObject[];
  /** Migrations committed under another name before, `{ old: new }` (see `openDatabase`). */
  renamedMigrations?: Readonly<Record<string, string>>;
  /** type-graphql resolver classes. */
  resolvers: BuildSchemaOptions['resolvers'] | Readonly<BuildSchemaOptions['resolvers']>;
  /** Types reached only through other subgraphs' fields (no root field of ours names them). */
  orphanedTypes?: BuildSchemaOptions['orphanedTypes'] | Readonly<NonNullable<BuildSchemaOptions['orphanedTypes']>>;
  /** `__resolveReference` by entity type name; they find services with `SchemaContainer.of(info)`. */
  references?: ReferenceResolvers;
  /** The job queue the subgraph enqueues on or consumes from: its queues and how it takes part. */
  jobs: (options: Options) => Omit<JobQueueOptions, 'databaseUrl' | 'logger'>;
  /** Builds the services and resolver instances (and their background work) on the infrastructure. */
  wire: (infrastructure: SubgraphInfrastructure<Options>) => SubgraphWiring | Promise<SubgraphWiring>;
}

export interface Subgraph<Options extends SubgraphOptions> {
  readonly name: string;
  /**
   * Opens the database (applying migrations) and the job queue, wires the services and returns
   * the server, not yet listening. `listen()` also starts the background work; `close()` stops
   * it, then closes the server, the job queue and the ORM (not what the caller passed in: a bus
   * or a presence store belong to the caller).
   */
  create(options: Options): Promise<RunningServer>;
  /** The schema without a database or services, for printing SDL and composition only. */
  schema(): Promise<GraphQLSchema>;
}

/**
 * One way to define a subgraph: its entities, migrations, resolvers, references and queues are
 * declared; `wire` builds its services. Every subgraph's `createX(options)` is `create` of its
 * definition, so they open, serve and close the same way.
 */
export function defineSubgraph<Options extends SubgraphOptions>(definition: SubgraphDefinition<Options>): Subgraph<Options> {
  const buildSchema = async (container: SchemaContainer): Promise<GraphQLSchema> => {
    const schema = await buildFederatedSchema(
      {
        resolvers: definition.resolvers as BuildSchemaOptions['resolvers'],
        orphanedTypes: definition.orphanedTypes ? [...definition.orphanedTypes] : undefined,
        container,
        pubSub: noTopicPubSub,
      },
      definition.references,
    );
    container.attachTo(schema);
    return schema;
  };

  return {
    name: definition.name,
    schema: () => buildSchema(new SchemaContainer()),
    async create(options) {
      const logger = options.logger.child({ subgraph: definition.name });
      // Before the subgraph's own schema: every subgraph writes to the shared audit trail.
      await ensureAuditLog(options.databaseUrl);
      const orm = await openDatabase({
        url: options.databaseUrl,
        schema: definition.name,
        entities: [...definition.entities],
        migrations: [...definition.migrations],
        renamedMigrations: definition.renamedMigrations,
        logger,
      });
      let jobs: JobQueue | null = null;
      let wiring: SubgraphWiring | null = null;
      const ownLimits = options.rateLimits ? null : new RateLimits({ logger });
      const rateLimits = options.rateLimits ?? ownLimits!;
      const ownRevocations = options.revocations ? null : await createRevocationView();
      const revocations = options.revocations ?? ownRevocations!;
      // In this order: running jobs finish while what they use (the wiring's resources, the ORM) is still open.
      const release = async () => {
        await jobs?.stop();
        await wiring?.release?.();
        await orm.close();
        await ownLimits?.close();
        await ownRevocations?.close();
      };
      try {
        await rateLimits.ready();
        const queue = await JobQueue.start({ ...definition.jobs(options), databaseUrl: options.databaseUrl, logger });
        jobs = queue;
        wiring = await definition.wire({ options, orm, jobs: queue, logger, rateLimits, revocations });
        const { provide, routes, start, stop, health } = wiring;
        const container = new SchemaContainer();
        for (const instance of provide) container.register(instance.constructor as never, instance);
        let started = false;
        const server = createSubgraphServer({
          name: definition.name,
          schema: await buildSchema(container),
          orm,
          routerSecret: options.routerSecret,
          verifyToken: await createTokenVerifier(options.jwtPublicKey, revocations),
          logger,
          production: options.production,
          host: options.host,
          port: options.port,
          routes,
          health,
          onClose: async () => {
            if (started) await stop?.();
            await release();
          },
        });
        return {
          httpServer: server.httpServer,
          async listen() {
            const url = await server.listen();
            await start?.();
            started = true;
            return url;
          },
          close: () => server.close(),
        };
      } catch (error) {
        await release();
        throw error;
      }
    },
  };
}
