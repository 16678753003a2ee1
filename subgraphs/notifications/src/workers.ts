import {
  messageSentQueue,
  type EntityManager,
  type JobQueue,
  type JobWithMetadata,
  type Logger,
  type MessageSentEvent,
} from '@chirpchat/kit';
import { PushRetryError, type DeliveryService } from './services/delivery.service.js';
import type { FanOutService } from './services/fan-out.service.js';
import { maintenanceQueue, pushQueue, type PushJob } from './services/push-job.js';

export interface WorkerOptions {
  fanOut: FanOutService;
  delivery: DeliveryService;
  rootEm: EntityManager;
  logger: Logger;
  /** How often idle workers look for jobs that LISTEN/NOTIFY did not announce (deferred and retried ones). */
  pollingIntervalSeconds: number;
}

/** Pushes in flight per instance; each holds a database connection while the push service answers. */
const DELIVERY_CONCURRENCY = 4;

/**
 * Starts this instance's workers: "message sent" events → push jobs → pushes, and the hourly
 * clean-up. One job per fetch (`batchSize: 1`): a failing job would otherwise re-run its batch.
 * Stopping the job queue stops them.
 */
export async function startWorkers(jobs: JobQueue, options: WorkerOptions): Promise<void> {
  const { logger } = options;
  // NOTIFY announces new jobs, not retries or deferred ones coming due: those wait for a poll either way.
  const polling = { pollingIntervalSeconds: options.pollingIntervalSeconds, notifyPollingIntervalSeconds: options.pollingIntervalSeconds };
  await jobs.boss.work<MessageSentEvent>(messageSentQueue.name, { batchSize: 1, localConcurrency: 2, ...polling }, async ([job]) => {
    try {
      await options.fanOut.handle(job!);
    } catch (error) {
      logger.warn({ err: error, messageId: job!.data.messageId, attempt: job!.retryCount + 1 }, 'message-sent event failed');
      throw error;
    }
  });
  await jobs.boss.work(
    pushQueue.name,
    { batchSize: 1, includeMetadata: true, localConcurrency: DELIVERY_CONCURRENCY, ...polling },
    async ([job]: Array<JobWithMetadata<PushJob>>) => {
      try {
        await options.delivery.handle(job!);
      } catch (error) {
        if (!(error instanceof PushRetryError)) {
          logger.warn({ err: error, subscriptionId: job!.data.subscriptionId, messageId: job!.data.messageId }, 'push job failed');
        }
        throw error;
      }
    },
  );
  await jobs.boss.work(maintenanceQueue.name, { batchSize: 1 }, async () => {
    await options.rootEm.fork().transactional(async (tx) => {
      // Deliveries only guard against a job running twice, which cannot happen after retention ends.
      await tx.execute(`delete from "notifications"."delivery" where "sent_at" < now() - interval '2 days'`);
      await tx.execute(`delete from "notifications"."burst" where "last_at" < now() - interval '1 day'`);
      await tx.execute(`delete from "notifications"."conversation_mute" where "until" < now()`);
    });
  });
  await jobs.boss.schedule(maintenanceQueue.name, '17 * * * *');
}
