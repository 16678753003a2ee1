import type { EntityManager, JobInsert, JobQueue } from '@chirpchat/kit';
import { mediaDeleteQueue, type MediaDeleteEvent } from '@chirpchat/kit/contracts';

/** A message or story whose files are no longer needed. */
export interface MediaOwner {
  kind: 'message' | 'story';
  /** A UUID: it doubles as the job id, so one deletion is one job however often it is asked for. */
  id: string;
  mediaIds: readonly string[];
}

/**
 * Tells the media subgraph to delete the files of a message deleted for everyone or of a story
 * that is gone. The job is enqueued through the deleting transaction, so the files go exactly
 * when the row stops pointing at them: a rollback leaves no job, a crash after the commit loses
 * none (DESIGN.md, "Delivery guarantees").
 */
export class MediaDeletionService {
  constructor(private readonly jobs: JobQueue) {}

  /** Call inside the deleting transaction, with its EntityManager; owners without files are skipped. */
  async enqueue(tx: EntityManager, owners: readonly MediaOwner[]): Promise<void> {
    const jobs: Array<JobInsert<MediaDeleteEvent>> = owners
      .filter((owner) => owner.mediaIds.length > 0)
      .map((owner) => ({ id: owner.id, data: { mediaIds: [...owner.mediaIds], reason: `${owner.kind}:${owner.id}` } }));
    await this.jobs.enqueueManyInTransaction(tx, mediaDeleteQueue, jobs);
  }
}
