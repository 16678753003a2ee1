import type { EntityManager, JobQueue, JobWithMetadata, Logger } from '@chirpchat/kit';
import { PushSubscription } from '../entities/push-subscription.entity.js';
import { pushJob, pushQueue, type PushJob, type PushRetry } from './push-job.js';
import type { PushOutcome, PushSender } from './push-sender.js';

/** 429 rounds for one delivery before it is given up. */
const MAX_RATE_LIMITED = 5;

/** Thrown for a push worth another attempt (5xx, network): pg-boss retries the job with backoff. */
export class PushRetryError extends Error {
  constructor(readonly outcome: Extract<PushOutcome, { kind: 'failed' }>) {
    super(`push not delivered, will retry: ${outcome.reason}`);
    this.name = 'PushRetryError';
  }
}

/**
 * Delivers one push job: one message to one subscription.
 *
 * Exactly-once where it can be: the worker first inserts `delivery(message, subscription)` in its
 * transaction (an earlier committed row means "already sent": done), then sends, then completes
 * the job in that same transaction. So the record of the push and the job's completion commit
 * together, and a concurrent second attempt waits on the row lock and then finds the row.
 * The window that remains, honestly: if the process dies (or the commit fails) after the push
 * service accepted the push and before the commit, the job runs again after it expires and the
 * push goes out twice. The payload's topic and the service worker's tag make a repeat replace
 * the first notification rather than add one.
 *
 * Outcomes: 404/410 delete the subscription (no retry); 429 records nothing and enqueues the
 * same delivery again after Retry-After, completing this job; 5xx and network errors throw, so
 * pg-boss retries with exponential backoff and, after the last attempt, a warning names the
 * subscription and the status; other answers are logged and not retried.
 */
export class DeliveryService {
  constructor(
    private readonly rootEm: EntityManager,
    private readonly jobs: JobQueue,
    private readonly sender: PushSender,
    private readonly logger: Logger,
    private readonly pushRetry?: PushRetry,
  ) {}

  async handle(job: JobWithMetadata<PushJob>): Promise<void> {
    const { messageId, subscriptionId } = job.data;
    await this.rootEm.fork().transactional(async (tx) => {
      // Gone means unregistered or deleted after a 410 since the job was queued; moved means the
      // browser now belongs to another account, which must not see this one's messages.
      const subscription = await tx.findOne(PushSubscription, { id: subscriptionId, userId: job.data.userId });
      if (subscription && (await this.claim(tx, messageId, subscriptionId))) {
        const outcome = await this.sender.send(subscription, job.data);
        await this.settle(tx, job, outcome);
      }
      await this.jobs.completeInTransaction(tx, pushQueue, job);
    });
  }

  /** Records the delivery; false when an earlier attempt already made it. */
  private async claim(tx: EntityManager, messageId: string, subscriptionId: string): Promise<boolean> {
    const inserted = await tx.execute<Array<{ claimed: number }>>(
      `insert into "notifications"."delivery" ("message_id", "subscription_id") values (?, ?) on conflict do nothing returning 1 as "claimed"`,
      [messageId, subscriptionId],
    );
    return inserted.length === 1;
  }

  private async unclaim(tx: EntityManager, job: JobWithMetadata<PushJob>): Promise<void> {
    await tx.execute(`delete from "notifications"."delivery" where "message_id" = ? and "subscription_id" = ?`, [
      job.data.messageId,
      job.data.subscriptionId,
    ]);
  }

  private async settle(tx: EntityManager, job: JobWithMetadata<PushJob>, outcome: PushOutcome): Promise<void> {
    const context = { subscriptionId: job.data.subscriptionId, messageId: job.data.messageId, status: outcome.status };
    switch (outcome.kind) {
      case 'sent':
        return;
      case 'gone':
        // The delivery row goes with it (on delete cascade).
        await tx.nativeDelete(PushSubscription, { id: job.data.subscriptionId });
        this.logger.info(context, 'push subscription expired at the push service; deleted');
        return;
      case 'rate-limited': {
        await this.unclaim(tx, job);
        const rateLimited = job.data.rateLimited + 1;
        if (rateLimited > MAX_RATE_LIMITED) {
          this.logger.warn({ ...context, rounds: rateLimited }, 'push given up: the push service keeps answering 429');
          return;
        }
        await this.jobs.enqueueManyInTransaction(tx, pushQueue, [
          pushJob({ ...job.data, rateLimited }, this.pushRetry, outcome.retryAfterSeconds),
        ]);
        this.logger.debug({ ...context, retryAfterSeconds: outcome.retryAfterSeconds }, 'push rate-limited; rescheduled');
        return;
      }
      case 'rejected':
        await this.unclaim(tx, job);
        this.logger.warn({ ...context, reason: outcome.reason }, 'push rejected; not retrying');
        return;
      case 'failed':
        if (job.retryCount >= job.retryLimit) {
          this.logger.warn({ ...context, reason: outcome.reason, attempts: job.retryCount + 1 }, 'push given up after retries');
        }
        // Rolls the claim back; pg-boss retries the job with backoff while attempts remain.
        throw new PushRetryError(outcome);
    }
  }
}
