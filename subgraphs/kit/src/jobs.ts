import type { EntityManager } from '@mikro-orm/postgresql';
import { fromKysely, PgBoss, type Db, type Job, type JobInsert, type KyselyTransactionLike, type Queue, type SendOptions } from 'pg-boss';
import type { Logger } from './logger.js';

export type { Job, JobInsert, JobWithMetadata } from 'pg-boss';

/**
 * A named queue and the job options its jobs get unless a send overrides them. `T` is the job's
 * data, so producer and consumer share one type.
 */
export interface QueueDefinition<T extends object> {
  readonly name: string;
  readonly options: Omit<Queue, 'name'>;
  /** Type-level only: the data a job of this queue carries. */
  readonly data?: T;
}

export function defineQueue<T extends object>(name: string, options: Omit<Queue, 'name'> = {}): QueueDefinition<T> {
  return { name, options };
}

export interface JobQueueOptions {
  databaseUrl: string;
  logger: Logger;
  /**
   * The PostgreSQL schema pg-boss keeps its tables in, shared by every subgraph of the database.
   * @default 'pgboss'
   */
  schema?: string;
  /**
   * Connections pg-boss opens for itself (fetching, completing, maintenance). Sends inside an
   * application transaction use that transaction's connection instead.
   * @default 4
   */
  poolSize?: number;
  /**
   * Whether this process runs pg-boss maintenance (expiry, retention, cron schedules). A process
   * that only enqueues leaves it to the consumers. Several instances doing it is safe.
   * @default true
   */
  maintenance?: boolean;
  /**
   * Whether workers in this process are woken by PostgreSQL NOTIFY the moment a job is created on
   * a queue defined with `notify: true` (the send's transaction notifies on commit), instead of
   * at their next poll. Holds one extra connection; polling stays on as the fallback.
   * @default false
   */
  listen?: boolean;
  /** Queues to create when missing (creating is idempotent; a queue's options are fixed at creation). */
  queues?: ReadonlyArray<QueueDefinition<object>>;
  /**
   * The shortest time between two {@link JobQueue.wake} NOTIFYs for one queue from this process.
   * Each wakes every worker of the queue into a fetch, and a fetch of a busy queue costs PostgreSQL
   * a few milliseconds (measured at 500 sends/s: 25 ms made 2,200 fetches, 9.3 s of the 20 s spent
   * in statements; 100 ms made 940, 3.1 s). Under load, workers fetch again at once while their
   * batches come back full anyway.
   * @default 100
   */
  wakeIntervalMs?: number;
}

/** Raised when a job's claim lapsed (it expired and was handed out again) before the handler settled it. */
export class JobClaimLostError extends Error {
  constructor(queue: string, id: string) {
    super(`Job ${id} of queue ${queue} is no longer held by this worker; its work was rolled back.`);
    this.name = 'JobClaimLostError';
  }
}

/**
 * Durable jobs in PostgreSQL (pg-boss), for work that must happen after a commit. The point is
 * {@link JobQueue.enqueueInTransaction}: a job sent through the application's own transaction
 * exists exactly when that transaction commits, so a crash between commit and enqueue cannot
 * lose it and a rollback leaves none behind (see DESIGN.md, "Delivery guarantees"). Workers settle
 * their job inside their own transaction with {@link JobQueue.completeInTransaction}, so what they
 * write and the job's completion commit together.
 */
export class JobQueue {
  /** Queues with a wake-up in its quiet interval; `again` when another was asked for meanwhile. */
  private readonly waking = new Map<string, { again: boolean; timer: NodeJS.Timeout }>();

  private constructor(
    /** The pg-boss instance, for `work()` and inspection. */
    readonly boss: PgBoss,
    private readonly schema: string,
    private readonly wakeIntervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts pg-boss (installing or migrating its schema on first use) and creates the given queues. */
  static async start(options: JobQueueOptions): Promise<JobQueue> {
    const maintenance = options.maintenance ?? true;
    const schema = options.schema ?? 'pgboss';
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema,
      max: options.poolSize ?? 4,
      application_name: 'chirpchat-jobs',
      supervise: maintenance,
      schedule: maintenance,
      useListenNotify: options.listen ?? false,
    });
    const logger = options.logger.child({ component: 'jobs' });
    // pg-boss reports background failures (a lost connection during a poll) as events; an
    // 'error' event with no listener would crash the process.
    boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
    boss.on('warning', (warning) => logger.warn({ warning }, 'job queue warning'));
    await boss.start();
    try {
      for (const queue of options.queues ?? []) await boss.createQueue(queue.name, queue.options);
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      throw error;
    }
    return new JobQueue(boss, schema, options.wakeIntervalMs ?? 100, logger);
  }

  /**
   * Sends a job through the transaction `em` is running, so that it is created if and only if that
   * transaction commits. Call it inside `em.transactional(...)` with the transaction's `em`.
   * @returns the job id, or null when a job with the same `id` (or singleton key) already exists
   */
  async enqueueInTransaction<T extends object>(
    em: EntityManager,
    queue: QueueDefinition<T>,
    data: T,
    options: Omit<SendOptions, 'db'> = {},
  ): Promise<string | null> {
    return this.boss.send(queue.name, data, { ...options, db: transactionDb(em) });
  }

  /** Like {@link enqueueInTransaction} for many jobs of one queue, in one statement. */
  async enqueueManyInTransaction<T extends object>(em: EntityManager, queue: QueueDefinition<T>, jobs: Array<JobInsert<T>>): Promise<void> {
    if (jobs.length > 0) await this.boss.insert(queue.name, jobs, { db: transactionDb(em) });
  }

  /**
   * Completes a job (the attempt the worker was handed) inside the worker's transaction, so that the
   * job counts as done exactly when the work it did commits.
   * @throws JobClaimLostError when the attempt is no longer active under this worker (it expired and
   *   was handed out again): throwing rolls the transaction back, leaving the work to the newer attempt
   */
  async completeInTransaction(em: EntityManager, queue: QueueDefinition<object>, job: Job<unknown>): Promise<void> {
    const settled = await this.completeManyInTransaction(em, queue, [job]);
    if (settled.size !== 1) throw new JobClaimLostError(queue.name, job.id);
  }

  /**
   * Completes the attempts the worker was handed, in one statement inside the worker's
   * transaction, and answers which of them it settled: a job missing from the answer was no
   * longer held by this worker (its claim lapsed and it was handed out again).
   */
  async completeManyInTransaction(
    em: EntityManager,
    queue: QueueDefinition<object>,
    jobs: ReadonlyArray<Job<unknown>>,
  ): Promise<Set<string>> {
    if (jobs.length === 0) return new Set();
    const attempts = jobs.map((job) => ({ id: job.id, retryCount: job.retryCount }));
    const result = await this.boss.complete(queue.name, attempts, null, { db: transactionDb(em) });
    // pg-boss 12.35's typings declare CommandResponse empty; at run time it carries the settled ids.
    return new Set((result as { settled?: string[] }).settled ?? []);
  }

  /**
   * Fails the attempts the worker was handed (on their own, outside any transaction): pg-boss
   * retries each with its queue's backoff while attempts remain. For a batch handler that settles
   * some jobs itself and returns normally for the rest.
   */
  async failMany(queue: QueueDefinition<object>, jobs: ReadonlyArray<Job<unknown>>, reason: string): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.fail(
      queue.name,
      jobs.map((job) => ({ id: job.id, retryCount: job.retryCount })),
      { message: reason },
    );
  }

  /**
   * Tells the workers of `queue`, in every process, that jobs are waiting, so that they fetch now
   * instead of at their next poll; call it after the commit that created them. It is for queues
   * that receive one job per application transaction (a message send): with pg-boss's own
   * `notify: true` each of those transactions would NOTIFY as it commits, and PostgreSQL runs
   * notifying commits one at a time (measured here: 1,500 commits/s without, 550 with, and four
   * times the commit latency). So the NOTIFY runs on its own, after the commit, and calls are
   * coalesced: the first at once, then at most one more per `wakeIntervalMs`, sent at the end of
   * the interval when calls came in meanwhile. A lost wake-up costs only latency: polling stays on.
   */
  wake(queue: QueueDefinition<object>): void {
    const waking = this.waking.get(queue.name);
    if (waking) {
      waking.again = true;
      return;
    }
    this.notify(queue.name);
    const timer = setTimeout(() => {
      const again = this.waking.get(queue.name)?.again ?? false;
      this.waking.delete(queue.name);
      if (again) this.wake(queue);
    }, this.wakeIntervalMs);
    timer.unref();
    this.waking.set(queue.name, { again: false, timer });
  }

  /** Stops workers (letting running handlers finish for up to `timeoutMs`) and closes the pool. */
  async stop(timeoutMs = 10_000): Promise<void> {
    for (const { timer } of this.waking.values()) clearTimeout(timer);
    this.waking.clear();
    await this.boss.stop({ graceful: true, timeout: timeoutMs });
  }

  /**
   * One NOTIFY on the channel pg-boss's listeners LISTEN on, with the queue's name as payload —
   * what pg-boss itself sends for a `notify: true` queue (its channel is derived from the schema
   * name as below; pg-boss is pinned, and a test fails if a new version derives it otherwise).
   */
  private notify(queue: string): void {
    const channel = `('pgboss_' || left(encode(sha224($1::bytea), 'hex'), 24))`;
    this.boss
      .getDb()
      .executeSql(`select pg_notify(${channel}, $2)`, [this.schema, queue])
      .catch((error: unknown) => this.logger.debug({ err: error, queue }, 'wake-up not sent; workers find the jobs at their next poll'));
  }
}

/**
 * pg-boss's view of the transaction `em` is running. MikroORM 7 runs SQL through Kysely, and its
 * transaction context is a Kysely transaction, which pg-boss's `fromKysely` adapter speaks to.
 */
function transactionDb(em: EntityManager): Db {
  const transaction = em.getTransactionContext<KyselyTransactionLike>();
  if (!transaction) throw new Error('This needs a transaction: call it inside em.transactional() with the transaction’s EntityManager.');
  return fromKysely(transaction);
}
