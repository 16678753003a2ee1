import type { EntityManager, JobQueue, JobWithMetadata, Logger } from '@chirpchat/kit';
import { mediaDeleteQueue, type MediaDeleteEvent } from '@chirpchat/kit/contracts';
import { rm } from 'node:fs/promises';
import { Media } from './entities/media.entity.js';
import type { DeletionService } from './services/deletion.service.js';
import type { LocalProcessingService } from './services/local-processing.service.js';
import { mediaMaintenanceQueue, mediaProcessQueue, type mediaDeleteFileQueue } from './services/queues.js';
import type { LocalStore } from './stores/local.store.js';
import { MediaStatus } from './types/media-status.enum.js';

export interface WorkerOptions {
  processing: LocalProcessingService;
  deletion: DeletionService;
  fileQueue: ReturnType<typeof mediaDeleteFileQueue>;
  local: LocalStore;
  rootEm: EntityManager;
  logger: Logger;
  pollingIntervalSeconds: number;
  /** Files processed at once by this instance; each ffmpeg run already uses both cores of a small machine. */
  processingConcurrency: number;
}

/**
 * Starts this instance's workers: local processing, deletion (event → one job per file) and the
 * hourly clean-up. One job per fetch (`batchSize: 1`): a failing job would otherwise re-run its batch.
 */
export async function startWorkers(jobs: JobQueue, options: WorkerOptions): Promise<void> {
  const { logger } = options;
  const polling = { pollingIntervalSeconds: options.pollingIntervalSeconds, notifyPollingIntervalSeconds: options.pollingIntervalSeconds };
  await jobs.boss.work(
    mediaProcessQueue.name,
    { batchSize: 1, includeMetadata: true, localConcurrency: options.processingConcurrency, ...polling },
    async ([job]: Array<JobWithMetadata<{ mediaId: string }>>) => {
      await options.processing.handle(job!, job!.retryCount >= job!.retryLimit);
    },
  );
  await jobs.boss.work<MediaDeleteEvent>(mediaDeleteQueue.name, { batchSize: 1, ...polling }, async ([job]) => {
    await options.deletion.fanOut(job!);
  });
  await jobs.boss.work<{ mediaId: string; reason: string }>(
    options.fileQueue.name,
    { batchSize: 1, localConcurrency: 2, ...polling },
    async ([job]) => {
      try {
        await options.deletion.deleteFile(job!);
      } catch (error) {
        logger.warn({ err: error, mediaId: job!.data.mediaId }, 'media deletion failed; it will be retried');
        throw error;
      }
    },
  );
  await jobs.boss.work(mediaMaintenanceQueue.name, { batchSize: 1 }, async () => {
    const em = options.rootEm.fork();
    await em.execute(`delete from "media"."notification_receipt" where "received_at" < now() - interval '1 day'`);
    // Tickets live an hour; an upload still unfinished a day later was abandoned.
    const abandoned = await em.find(
      Media,
      { status: MediaStatus.UPLOADING, createdAt: { $lt: new Date(Date.now() - 86_400_000) } },
      { limit: 500 },
    );
    for (const media of abandoned) {
      await rm(options.local.incomingDir(media.id), { recursive: true, force: true });
      await em.nativeDelete(Media, { id: media.id });
    }
  });
  await jobs.boss.schedule(mediaMaintenanceQueue.name, '23 * * * *');
}
