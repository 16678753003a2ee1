import type { RateLimitSettings } from '@chirpchat/kit';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createLogger, startEmbeddedPostgres, type EmbeddedDatabase } from '@chirpchat/kit';

/**
 * Where the tests find PostgreSQL and Redis: the real servers when they answer (always on CI,
 * where `CI=true` makes them required), otherwise an embedded PostgreSQL and the in-memory bus.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ci = process.env.CI === 'true';
const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) || 5432, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

let embedded: Promise<EmbeddedDatabase> | undefined;

async function adminDatabaseUrl(): Promise<string> {
  if (await reachable(adminUrl)) return adminUrl;
  if (ci) throw new Error(`CI=true but PostgreSQL does not answer at ${adminUrl}`);
  embedded ??= startEmbeddedPostgres(path.join(repoRoot, '.data', 'test-pg'), createLogger({ level: 'warn' }));
  return (await embedded).url;
}

/** A fresh, empty database for one test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = await adminDatabaseUrl();
  const name = `chirpchat_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      // Let pools that are closing finish on their own: forcing a closing connection makes its
      // client emit an error no one listens to any more. Force only what a leak left behind.
      for (let i = 0; i < 40; i++) {
        const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The Redis URL when a Redis server answers, `undefined` (in-memory bus) when none does outside CI. */
export async function testRedisUrl(): Promise<string | undefined> {
  if (await reachable(redisUrl)) return redisUrl;
  if (ci) throw new Error(`CI=true but Redis does not answer at ${redisUrl}`);
  return undefined;
}

/**
 * The limits a stack (and a subgraph fixture) runs with unless a test chooses: the product's limits raised far past what
 * a test does from one address (registering dozens of users, sending in tight loops), so only the
 * tests about limits meet them. The limits still count on every call.
 */
export const testRateLimits: RateLimitSettings = {
  signInAccount: { points: 1000 },
  signInAddress: { points: 10_000 },
  register: { points: 10_000 },
  send: { points: 10_000 },
  sendConversation: { points: 10_000 },
  upload: { points: 10_000 },
  reaction: { points: 10_000 },
  typing: { points: 10_000 },
  search: { points: 10_000 },
  socketConnect: { points: 10_000 },
  socketMessages: { points: 100_000 },
};
