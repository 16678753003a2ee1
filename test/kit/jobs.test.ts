import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntitySchema } from '@mikro-orm/core';
import { createLogger, defineQueue, JobClaimLostError, JobQueue, MikroORM } from '@chirpchat/kit';
import { createTestDatabase } from '../support/environment.js';

const logger = createLogger({ level: 'silent' });
const queue = defineQueue<{ n: number }>('kit-test', { retryLimit: 0 });
/** Jobs the tests fetch as a worker would; a queue of its own, so only they are in it. */
const workQueue = defineQueue<{ n: number }>('kit-test-work', { retryLimit: 0 });

let database: { url: string; drop(): Promise<void> };
let orm: MikroORM;
let jobs: JobQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  // MikroORM wants an entity; this one is never queried.
  orm = await MikroORM.init({
    clientUrl: database.url,
    entities: [new EntitySchema({ name: 'Unused', properties: { id: { type: 'integer', primary: true } } })],
  });
  jobs = await JobQueue.start({ databaseUrl: database.url, logger, maintenance: false, queues: [queue, workQueue] });
});

afterAll(async () => {
  await jobs?.stop();
  await orm?.close();
  await database?.drop();
});

async function jobCount(n: number, name = queue.name): Promise<number> {
  const [row] = await orm.em
    .fork()
    .execute<Array<{ count: number }>>(`select count(*)::int as count from pgboss.job where name = ? and (data->>'n')::int = ?`, [name, n]);
  return row!.count;
}

describe('JobQueue.enqueueInTransaction', () => {
  it('creates the job when the transaction commits', async () => {
    await orm.em.fork().transactional((tx) => jobs.enqueueInTransaction(tx, queue, { n: 1 }));
    expect(await jobCount(1)).toBe(1);
  });

  it('leaves no job when the transaction rolls back', async () => {
    const failure = new Error('the application failed after enqueueing');
    await expect(
      orm.em.fork().transactional(async (tx) => {
        await jobs.enqueueInTransaction(tx, queue, { n: 2 });
        expect(await tx.execute(`select 1 from pgboss.job where name = ? and data->>'n' = '2'`, [queue.name])).toHaveLength(1);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await jobCount(2)).toBe(0);
  });

  it('makes one job of two sends with the same id', async () => {
    const id = '6f1d3c52-5d7a-4a7e-9d55-3b0c2f4e8a11';
    const first = await orm.em.fork().transactional((tx) => jobs.enqueueInTransaction(tx, queue, { n: 3 }, { id }));
    const second = await orm.em.fork().transactional((tx) => jobs.enqueueInTransaction(tx, queue, { n: 3 }, { id }));
    expect([first, second]).toEqual([id, null]);
    expect(await jobCount(3)).toBe(1);
  });

  it('refuses to run outside a transaction, where it could not be atomic', async () => {
    await expect(jobs.enqueueInTransaction(orm.em.fork(), queue, { n: 4 })).rejects.toThrow(/transaction/);
  });
});

describe('JobQueue.completeInTransaction', () => {
  it('completes the job together with what the worker wrote', async () => {
    await orm.em.fork().transactional((tx) => jobs.enqueueInTransaction(tx, workQueue, { n: 10 }));
    const [job] = await jobs.boss.fetch<{ n: number }>(workQueue.name);
    expect(job?.data).toEqual({ n: 10 });
    await orm.em.fork().transactional(async (tx) => {
      await jobs.enqueueInTransaction(tx, queue, { n: 11 });
      await jobs.completeInTransaction(tx, workQueue, job!);
    });
    const [state] = await orm.em.fork().execute<Array<{ state: string }>>(`select state from pgboss.job where id = ?`, [job!.id]);
    expect(state?.state).toBe('completed');
    expect(await jobCount(11)).toBe(1);
  });

  it('rolls the worker’s writes back when its claim on the job has lapsed', async () => {
    await orm.em.fork().transactional((tx) => jobs.enqueueInTransaction(tx, workQueue, { n: 20 }));
    const [job] = await jobs.boss.fetch<{ n: number }>(workQueue.name);
    // Another attempt settled it meanwhile (as after an expiry).
    await jobs.boss.complete(workQueue.name, job!.id);
    await expect(
      orm.em.fork().transactional(async (tx) => {
        await jobs.enqueueInTransaction(tx, queue, { n: 21 });
        await jobs.completeInTransaction(tx, workQueue, job!);
      }),
    ).rejects.toBeInstanceOf(JobClaimLostError);
    expect(await jobCount(21)).toBe(0);
  });
});
