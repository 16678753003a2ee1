import type { EntityManager, Job, JobQueue, JobWithMetadata, Logger } from '@chirpchat/kit';
import { messageSentQueue, type MessageSentEvent } from '@chirpchat/kit/contracts';
import type { DeliveryService } from './services/delivery.service.js';
import type { FanOutService } from './services/fan-out.service.js';
import { maintenanceQueue, pushQueue, type PushJob } from './services/push-job.js';

export interface WorkerOptions {
  fanOut: FanOutService;
  delivery: DeliveryService;
  rootEm: EntityManager;
  logger: Logger;
  /** How often idle workers look for jobs that no wake-up announced (deferred and retried ones, a lost NOTIFY). */
  pollingIntervalSeconds: number;
}

/**
 * "Message sent" events per fetch. A batch costs a handful of statements however many events it
 * holds (see FanOutService), so under load the batches grow and the cost per message shrinks.
 */
const FAN_OUT_BATCH = 100;
/**
 * Batches of events in flight per instance. A batch waits for its push services' answers (up to
 * the direct budget), so a second one keeps messages moving meanwhile.
 */
const FAN_OUT_CONCURRENCY = 2;
/** Push jobs (retries, 429 rounds, late answers) per fetch, sent concurrently. */
const DELIVERY_BATCH = 50;
/** Batches of push jobs in flight per instance: a slow push service holds up one of them, not the queue. */
const DELIVERY_CONCURRENCY = 2;

/**
 * Starts this instance's workers: "message sent" events → pushes (sent by the fan-out itself),
 * push jobs for the deliveries that need another try, and the hourly clean-up. Both queues are
 * consumed in batches, fetched again at once while batches come back full, and woken by NOTIFY
 * when new jobs arrive (chat's `JobQueue.wake` after its commits for events, the push queue's own
 * `notify` for push jobs), so a message waits neither for a poll nor behind one job at a time.
 * A failing job is retried without the rest of its batch. Stopping the job queue stops them.
 */
export async function startWorkers(jobs: JobQueue, options: WorkerOptions): Promise<void> {
  // NOTIFY announces new jobs, not retries or deferred ones coming due: those wait for a poll either way.
  const polling = {
    pollingIntervalSeconds: options.pollingIntervalSeconds,
    notifyPollingIntervalSeconds: options.pollingIntervalSeconds,
    burstWhenBatchFull: true,
  };
  // No explicit type arguments: pg-boss infers the handler's shape from the options' literal flags.
  // The fan-out completes and fails its events itself (in its own transaction); pg-boss's own
  // completion afterwards finds nothing left to settle.
  await jobs.boss.work(
    messageSentQueue.name,
    { ...polling, batchSize: FAN_OUT_BATCH, localConcurrency: FAN_OUT_CONCURRENCY },
    (batch: Array<Job<MessageSentEvent>>) => options.fanOut.handle(batch),
  );
  await jobs.boss.work(
    pushQueue.name,
    { ...polling, batchSize: DELIVERY_BATCH, localConcurrency: DELIVERY_CONCURRENCY, perJobResults: true, includeMetadata: true },
    (batch: Array<JobWithMetadata<PushJob>>) => options.delivery.handle(batch),
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
