import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of a benchmark's own on a real PostgreSQL server. */
export interface BenchDatabase {
  url: string;
  /** Drops it, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the server of `adminUrl`, so that a run starts empty and leaves
 * nothing behind.
 * @param adminUrl @default DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 */
export async function benchDatabase(
  adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
): Promise<BenchDatabase> {
  const name = `chirpchat_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  return {
    url: Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString(),
    async drop() {
      await admin.query(`drop database ${name} with (force)`);
      await admin.end();
    },
  };
}
