import type { z } from 'zod';
import { ConfigError, configFields, readConfig, runMain, stopOnSignals } from './config.js';
import { createLogger, type Logger } from './logger.js';
import type { RunningServer } from './server.js';

type Fields = typeof configFields;

/** A required variable that another one can stand in for: a Redis Cluster instead of one Redis. */
const alternatives: Partial<Record<keyof Fields, keyof Fields>> = { REDIS_URL: 'REDIS_CLUSTER_NODES' };
type Config<K extends keyof Fields> = { [P in K]: z.output<Fields[P]> };

export interface SubgraphProcess<K extends keyof Fields> {
  /** The subgraph's name, for logs. */
  name: string;
  /** The variables the process reads (every subgraph also reads NODE_ENV, LOG_LEVEL, HOST, PORT). */
  variables: readonly K[];
  /** Defaults for unset variables, e.g. the subgraph's own PORT. */
  defaults?: Partial<Record<K | 'PORT', string>>;
  /**
   * Variables that are optional for `npm start` (it has embedded defaults) but required here,
   * with the reason, e.g. `{ REDIS_URL: 'presence' }`.
   */
  required?: Partial<Record<K, string>>;
  /**
   * Builds the server from the configuration. Resources it opens that the server does not own
   * (a bus, a presence store) are passed to `own`, which closes them after the server.
   */
  create(
    config: Config<K | 'NODE_ENV' | 'LOG_LEVEL' | 'HOST' | 'PORT'>,
    tools: { logger: Logger; production: boolean; own<T extends { close(): Promise<unknown> }>(resource: T): T },
  ): Promise<RunningServer>;
}

/**
 * A subgraph as its own process (`node subgraphs/<name>/dist/src/main.js`): reads and checks
 * its configuration (a bad or missing variable stops it with a one-line message and exit code
 * 78), starts the server, and closes it and what it owns on SIGTERM or SIGINT.
 */
export function runSubgraphProcess<K extends keyof Fields>(definition: SubgraphProcess<K>): Promise<void> {
  return runMain(async () => {
    // The variables it cannot run without are named first, before any other variable's problem.
    const required = Object.entries(definition.required ?? {}) as Array<[K, string]>;
    const given = readConfig(
      required.flatMap(([variable]) => [variable, ...(alternatives[variable] ? [alternatives[variable]] : [])]),
      process.env,
    ) as Partial<Record<keyof Fields, unknown>>;
    for (const [variable, reason] of required) {
      const alternative = alternatives[variable];
      if (given[variable] === undefined && (alternative === undefined || given[alternative] === undefined)) {
        const or = alternative ? ` (or ${alternative})` : '';
        throw new ConfigError(variable, `is required${or} when the ${definition.name} subgraph runs as its own process (${reason})`);
      }
    }
    const config = readConfig<K | 'NODE_ENV' | 'LOG_LEVEL' | 'HOST' | 'PORT'>(
      ['NODE_ENV', 'LOG_LEVEL', 'HOST', 'PORT', ...definition.variables],
      process.env,
      definition.defaults as Partial<Record<K | 'NODE_ENV' | 'LOG_LEVEL' | 'HOST' | 'PORT', string>>,
    );
    const logger = createLogger({ level: config.LOG_LEVEL, name: definition.name });
    const owned: Array<{ close(): Promise<unknown> }> = [];
    const closeOwned = async () => {
      for (const resource of owned.splice(0).reverse()) await resource.close();
    };
    let server: RunningServer | undefined;
    try {
      server = await definition.create(config, {
        logger,
        production: config.NODE_ENV === 'production',
        own: (resource) => (owned.push(resource), resource),
      });
      await server.listen();
    } catch (error) {
      await server?.close().catch(() => undefined);
      await closeOwned().catch(() => undefined);
      throw error;
    }
    const running = server;
    stopOnSignals(logger, () => running.close(), closeOwned);
  });
}
