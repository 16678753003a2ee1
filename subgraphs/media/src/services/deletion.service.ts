import { AuditAction, AuditLog, type EntityManager, type Job, type JobQueue, type Logger } from '@chirpchat/kit';
import type { MediaDeleteEvent } from '@chirpchat/kit/contracts';
import { Media } from '../entities/media.entity.js';
import type { MediaStore } from '../stores/store.js';
import type { mediaDeleteFileQueue } from './queues.js';
import { toStored } from './media-urls.service.js';

/**
 * Deletes files whose message or story is gone. Chat enqueues one `media-delete` event in the
 * transaction that deletes the message; here it becomes one job per file, each retried with
 * backoff until the store confirms (a file the store no longer has counts as deleted), and only
 * then is the row removed — so a store outage delays deletion but never loses it. Removing the
 * row records `media.deleted` in the audit trail in the same transaction (the system is the
 * actor, the uploader the target), so a re-run job cannot record it twice.
 */
export class DeletionService {
  constructor(
    private readonly rootEm: EntityManager,
    private readonly jobs: JobQueue,
    private readonly fileQueue: ReturnType<typeof mediaDeleteFileQueue>,
    private readonly stores: (name: string) => MediaStore,
    private readonly logger: Logger,
  ) {}

  /** Fans one event out into per-file jobs (several runs of the same event only repeat idempotent work). */
  async fanOut(job: Job<MediaDeleteEvent>): Promise<void> {
    const ids = [...new Set(job.data.mediaIds)];
    if (ids.length === 0) return;
    await this.jobs.boss.insert(
      this.fileQueue.name,
      ids.map((mediaId) => ({ data: { mediaId, reason: job.data.reason } })),
    );
  }

  /** @throws when the store could not delete the file (the job retries) */
  async deleteFile(job: Job<{ mediaId: string; reason: string }>): Promise<void> {
    const em = this.rootEm.fork();
    const media = await em.findOne(Media, job.data.mediaId);
    if (!media) return;
    await this.stores(media.store).delete(toStored(media));
    await em.transactional(async (tx) => {
      if ((await tx.nativeDelete(Media, { id: media.id })) === 0) return;
      await AuditLog.record(tx, {
        action: AuditAction.MEDIA_DELETED,
        targetUserId: media.uploaderId,
        conversationId: media.conversationId,
        subjectId: media.id,
        detail: { reason: job.data.reason, kind: media.kind },
      });
    });
    this.logger.info({ mediaId: media.id, reason: job.data.reason }, 'media deleted');
  }
}
