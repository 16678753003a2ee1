import {
  AuditAction,
  AuditLog,
  type EntityManager,
  type JobInsert,
  type JobQueue,
  type JobWithMetadata,
  type Logger,
} from '@chirpchat/kit';
import { PushSubscription } from '../entities/push-subscription.entity.js';
import { pushJob, pushQueue, type PushJob, type PushRetry } from './push-job.js';
import type { PushOutcome, PushSender } from './push-sender.js';

/** 429 rounds for one delivery before it is given up. */
const MAX_RATE_LIMITED = 5;

export interface DeliveryOptions {
  /** Overrides the push queue's retry settings (5 retries, exponential from 10 s), for tests. */
  pushRetry?: PushRetry;
  /**
   * How long a fan-out waits for the push services to answer its pushes before it commits; a
   * push still unanswered then is backed by a job that runs once the push has surely settled.
   * @default 3000
   */
  directBudgetMs?: number;
  /** How long a push service may take to answer (the sender's timeout); backing jobs wait that long. @default 10000 */
  pushTimeoutMs?: number;
}

/** What became of one push job of a batch, as pg-boss's per-job results take it. */
export type DeliveryResult = { id: string; status: 'completed' } | { id: string; status: 'failed'; output: { message: string } };

/** A push on its way to one subscription. */
export interface Delivery {
  push: PushJob;
  subscription: PushSubscription;
}

type Attempt = Delivery & { outcome: PushOutcome | null; answer: Promise<PushOutcome> };

/**
 * Sends pushes: the first attempt straight from the fan-out, and push jobs for what that attempt
 * could not settle (5xx and network errors, 429, answers slower than the fan-out waits).
 *
 * A first attempt costs no job at all: the fan-out sends its batch's pushes concurrently and, in
 * the transaction that completes its events, records each delivery and turns what failed into
 * jobs ({@link attemptInTransaction}). So a message's pushes exist exactly when its event is
 * completed, and a job is only made for a delivery that needs another try. Jobs are handled in
 * batches the same way ({@link handle}): pushes go out with no database connection held while
 * push services answer, then one transaction records every delivery, applies the outcomes and
 * completes the jobs; an attempt that finds a delivery already recorded sends nothing.
 *
 * The window that remains, honestly: if the process dies (or that commit fails) after a push
 * service accepted a push and before the commit, the push goes out again when its event or job
 * runs again; the payload's topic and the service worker's tag make a repeat replace the first
 * notification rather than add one. Pushes to the same subscription go out in order, one after
 * another, so a newer push never overtakes an older one with the same topic.
 *
 * Outcomes: 404/410 delete the subscription (no retry); 429 enqueues the same delivery again after
 * Retry-After; 5xx and network errors are retried with exponential backoff and, after the last
 * attempt, a warning names the subscription and the status; other answers are logged and not retried.
 */
export class DeliveryService {
  private readonly directBudgetMs: number;
  private readonly pushTimeoutMs: number;

  constructor(
    private readonly rootEm: EntityManager,
    private readonly jobs: JobQueue,
    private readonly sender: PushSender,
    private readonly logger: Logger,
    private readonly options: DeliveryOptions = {},
  ) {
    this.directBudgetMs = options.directBudgetMs ?? 3000;
    this.pushTimeoutMs = options.pushTimeoutMs ?? 10_000;
  }

  /**
   * The first attempt of each delivery, inside the fan-out's transaction `tx`: sends them, waits
   * for the answers up to the budget, records what was delivered and enqueues a job for each
   * delivery that needs another try (or an answer that has not come yet).
   */
  async attemptInTransaction(tx: EntityManager, deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const attempts = this.send(deliveries);
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.directBudgetMs)));
    await Promise.race([Promise.all(attempts.map((attempt) => attempt.answer)), budget]);
    clearTimeout(timer);

    const answered = attempts.filter((attempt) => attempt.outcome !== null);
    const pending = attempts.filter((attempt) => attempt.outcome === null);
    const followUps = answered.flatMap((attempt) => this.followUp(attempt));
    // Still on its way: a job that runs after the push has surely settled, and finds its record if it went out.
    for (const attempt of pending) {
      followUps.push(pushJob({ ...attempt.push, recheck: true }, this.options.pushRetry, Math.ceil(this.pushTimeoutMs / 1000) + 1));
      void attempt.answer.then((outcome) => this.settleLate(attempt, outcome));
    }
    await this.record(tx, answered);
    await this.jobs.enqueueManyInTransaction(tx, pushQueue, followUps);
  }

  /** Push jobs (retries, 429 rounds, late answers), a batch at a time; never throws for one job. */
  async handle(batch: ReadonlyArray<JobWithMetadata<PushJob>>): Promise<DeliveryResult[]> {
    const em = this.rootEm.fork();
    // Gone means unregistered or deleted after a 410 since the job was queued; moved means the
    // browser now belongs to another account, which must not see this one's messages.
    const subscriptions = new Map(
      (await em.find(PushSubscription, { id: { $in: [...new Set(batch.map((job) => job.data.subscriptionId))] } })).map((row) => [
        row.id,
        row,
      ]),
    );
    const recorded = await this.recordedDeliveries(em, batch);
    const due = batch.filter((job) => {
      const subscription = subscriptions.get(job.data.subscriptionId);
      return subscription?.userId === job.data.userId && !recorded.has(deliveryKey(job.data));
    });
    const attempts = this.send(due.map((job) => ({ push: job.data, subscription: subscriptions.get(job.data.subscriptionId)! })));
    await Promise.all(attempts.map((attempt) => attempt.answer));
    const attemptOf = new Map(due.map((job, index) => [job.id, attempts[index]!]));
    const failed = (job: JobWithMetadata<PushJob>) => attemptOf.get(job.id)?.outcome?.kind === 'failed';

    await em.transactional(async (tx) => {
      const done = attempts.filter((attempt) => attempt.outcome!.kind !== 'failed');
      await this.record(tx, done);
      await this.jobs.enqueueManyInTransaction(
        tx,
        pushQueue,
        done.flatMap((attempt) => this.followUp(attempt)),
      );
      const finished = batch.filter((job) => !failed(job));
      const settled = await this.jobs.completeManyInTransaction(tx, pushQueue, finished);
      const lapsed = finished.filter((job) => !settled.has(job.id));
      // Their pushes went out and are recorded: the newer attempt of each finds the record and sends nothing.
      if (lapsed.length > 0) this.logger.warn({ jobs: lapsed.map((job) => job.id) }, 'push jobs outlived their claim');
    });

    return batch.map((job): DeliveryResult => {
      const outcome = attemptOf.get(job.id)?.outcome;
      if (outcome?.kind !== 'failed') return { id: job.id, status: 'completed' };
      if (job.retryCount >= job.retryLimit) {
        this.logger.warn(
          { ...context(job.data, outcome), reason: outcome.reason, jobAttempts: job.retryCount + 1 },
          'push given up after retries',
        );
      }
      // pg-boss retries the job with backoff while attempts remain.
      return { id: job.id, status: 'failed', output: { message: `push not delivered, will retry: ${outcome.reason}` } };
    });
  }

  /** The retry settings push jobs get: the test override, or the queue's. */
  private retry(): PushRetry {
    return {
      limit: this.options.pushRetry?.limit ?? pushQueue.options.retryLimit ?? 0,
      delaySeconds: this.options.pushRetry?.delaySeconds ?? pushQueue.options.retryDelay ?? 0,
    };
  }

  /** Sends each delivery; those to one subscription one after another, in order. */
  private send(deliveries: readonly Delivery[]): Attempt[] {
    const chains = new Map<string, Promise<unknown>>();
    return deliveries.map((delivery) => {
      const attempt = { ...delivery, outcome: null } as Attempt;
      const previous = chains.get(delivery.subscription.id) ?? Promise.resolve();
      attempt.answer = previous.then(async () => (attempt.outcome = await this.sender.send(delivery.subscription, delivery.push)));
      chains.set(delivery.subscription.id, attempt.answer);
      return attempt;
    });
  }

  /**
   * What an answered attempt leaves to do later: a job for a first attempt that failed (its own
   * retries continue it, with backoff), or the next 429 round after Retry-After.
   */
  private followUp({ push, outcome }: Attempt): Array<JobInsert<PushJob>> {
    const next = { ...push, recheck: false };
    switch (outcome!.kind) {
      case 'failed': {
        // The fan-out's attempt was the first of the retry limit's attempts; the job makes the rest.
        const retry = this.retry();
        return [pushJob(next, { limit: retry.limit - 1, delaySeconds: retry.delaySeconds }, retry.delaySeconds)];
      }
      case 'rate-limited': {
        const rateLimited = push.rateLimited + 1;
        if (rateLimited > MAX_RATE_LIMITED) {
          this.logger.warn({ ...context(push, outcome!), rounds: rateLimited }, 'push given up: the push service keeps answering 429');
          return [];
        }
        this.logger.debug({ ...context(push, outcome!), retryAfterSeconds: outcome!.retryAfterSeconds }, 'push rate-limited; rescheduled');
        return [pushJob({ ...next, rateLimited }, this.options.pushRetry, outcome!.retryAfterSeconds)];
      }
      default:
        return [];
    }
  }

  /** Records what the attempts delivered and forgets subscriptions the push service no longer knows. */
  private async record(tx: EntityManager, attempts: readonly Attempt[]): Promise<void> {
    const sent = attempts.filter((attempt) => attempt.outcome?.kind === 'sent').map((attempt) => attempt.push);
    if (sent.length > 0) {
      // One whose subscription was deleted meanwhile has nothing to record.
      await tx.execute(
        `insert into "notifications"."delivery" ("message_id", "subscription_id")
         select m, s from unnest(array[?]::text[], array[?]::uuid[]) as t(m, s)
          where exists (select 1 from "notifications"."push_subscription" where "id" = s)
         on conflict do nothing`,
        [sent.map((push) => push.messageId), sent.map((push) => push.subscriptionId)],
      );
    }
    const gone = attempts.filter((attempt) => attempt.outcome?.kind === 'gone');
    if (gone.length > 0) {
      // The delivery rows go with them (on delete cascade).
      const removed = await tx.execute<Array<{ id: string; user_id: string }>>(
        `delete from "notifications"."push_subscription" where "id" = any(?::uuid[]) returning "id", "user_id"`,
        [tx.getPlatform().marshallArray([...new Set(gone.map((attempt) => attempt.push.subscriptionId))])],
      );
      await AuditLog.record(
        tx,
        removed.map((row) => ({
          action: AuditAction.PUSH_SUBSCRIPTION_REMOVED,
          targetUserId: row.user_id,
          subjectId: row.id,
          detail: { reason: 'expired' },
        })),
      );
      for (const attempt of gone)
        this.logger.info(context(attempt.push, attempt.outcome!), 'push subscription expired at the push service; deleted');
    }
    for (const attempt of attempts) {
      if (attempt.outcome?.kind === 'rejected') {
        this.logger.warn({ ...context(attempt.push, attempt.outcome), reason: attempt.outcome.reason }, 'push rejected; not retrying');
      }
    }
  }

  /** An answer that came after its fan-out committed: what went out is recorded, so its backing job sends nothing. */
  private async settleLate(attempt: Attempt, outcome: PushOutcome): Promise<void> {
    if (outcome.kind !== 'sent' && outcome.kind !== 'gone') return; // the backing job tries again
    try {
      await this.rootEm.fork().transactional((tx) => this.record(tx, [{ ...attempt, outcome }]));
    } catch (error) {
      this.logger.warn({ err: error, ...context(attempt.push, outcome) }, 'a late push answer was not recorded; its job may push again');
    }
  }

  /**
   * The batch's (message, subscription) pairs an earlier attempt already pushed. Only a job that
   * ran before, or one backing an attempt that was still unanswered, can have one, so a batch of
   * other jobs skips the query.
   */
  private recordedDeliveries(em: EntityManager, batch: ReadonlyArray<JobWithMetadata<PushJob>>): Promise<Set<string>> {
    return this.delivered(
      em,
      batch.filter((job) => job.retryCount > 0 || job.data.recheck).map((job) => job.data),
    );
  }

  /** Which of these (message, subscription) pairs were pushed already, as `deliveryKey`s. */
  async delivered(em: EntityManager, pushes: ReadonlyArray<Pick<PushJob, 'messageId' | 'subscriptionId'>>): Promise<Set<string>> {
    if (pushes.length === 0) return new Set();
    const rows = await em.execute<Array<{ message_id: string; subscription_id: string }>>(
      `select "message_id", "subscription_id" from "notifications"."delivery"
        where ("message_id", "subscription_id") in (select * from unnest(array[?]::text[], array[?]::uuid[]))`,
      [pushes.map((push) => push.messageId), pushes.map((push) => push.subscriptionId)],
    );
    return new Set(rows.map((row) => deliveryKey({ messageId: row.message_id, subscriptionId: row.subscription_id })));
  }
}

function context(push: PushJob, outcome: PushOutcome) {
  return { subscriptionId: push.subscriptionId, messageId: push.messageId, status: outcome.status };
}

export function deliveryKey(push: Pick<PushJob, 'messageId' | 'subscriptionId'>): string {
  return `${push.messageId}\n${push.subscriptionId}`;
}
