import path from 'node:path';
import type { EntityManager, Job, Logger } from '@chirpchat/kit';
import { Media } from '../entities/media.entity.js';
import { resourceTypeOf } from '../kinds.js';
import { FfmpegNotFoundError, ProcessingError } from '../processing/index.js';
import type { ProcessMedia, ProcessingResult } from '../processing/types.js';
import { ORIGINAL_BASENAME, type LocalStore } from '../stores/local.store.js';
import { notificationSignature } from '../stores/signing.js';
import { MediaStatus } from '../types/media-status.enum.js';
import { EAGER_VARIANTS, type VariantName } from '../variants.js';
import type { EagerResult, MediaNotification, StorageWebhookService } from './storage-webhook.service.js';

/**
 * The local store's processing: a durable job per upload makes the variants with sharp and ffmpeg,
 * then reports them through the same signed notification and handler as Cloudinary's, so a file
 * becomes READY the same way whichever store holds it.
 */
export class LocalProcessingService {
  constructor(
    private readonly rootEm: EntityManager,
    private readonly store: LocalStore,
    private readonly webhook: StorageWebhookService,
    private readonly process: ProcessMedia,
    private readonly logger: Logger,
  ) {}

  /** @param lastAttempt on the last attempt an unexpected error is reported as FAILED instead of retried */
  async handle(job: Job<{ mediaId: string }>, lastAttempt: boolean): Promise<void> {
    const media = await this.rootEm.fork().findOne(Media, job.data.mediaId);
    if (!media || media.status !== MediaStatus.PROCESSING || !media.format) return;
    const dir = this.store.mediaDir(media.id);
    const started = Date.now();
    let notification: MediaNotification;
    try {
      const result = await this.process(media.kind, path.join(dir, `${ORIGINAL_BASENAME}.${media.format}`), dir);
      notification = this.eagerNotification(media, result);
      this.logger.info({ mediaId: media.id, kind: media.kind, ms: Date.now() - started }, 'media variants made');
    } catch (error) {
      const expected = error instanceof ProcessingError || error instanceof FfmpegNotFoundError;
      if (!expected && !lastAttempt) throw error;
      this.logger.warn({ err: error, mediaId: media.id }, 'media processing failed');
      notification = {
        notification_type: 'eager',
        public_id: media.publicId,
        resource_type: resourceTypeOf(media.kind),
        status: 'failed',
        error: { message: failureMessage(error) },
      };
    }
    const rawBody = JSON.stringify(notification);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = notificationSignature(rawBody, timestamp, this.store.notificationSecret, 'sha256');
    const outcome = await this.webhook.handle(rawBody, timestamp, signature);
    if (outcome.status !== 200)
      throw new Error(`The media notification handler refused the local store's notification (${outcome.result}).`);
  }

  private eagerNotification(media: Media, result: ProcessingResult): MediaNotification {
    const eager: EagerResult[] = [];
    for (const [name, file] of Object.entries(result.variants) as Array<
      [VariantName, NonNullable<ProcessingResult['variants'][VariantName]>]
    >) {
      const transformation = EAGER_VARIANTS[media.kind][name];
      if (!transformation) continue;
      eager.push({
        transformation,
        format: file.file.slice(file.file.lastIndexOf('.') + 1),
        file: file.file,
        bytes: file.bytes,
        ...(file.width ? { width: file.width } : {}),
        ...(file.height ? { height: file.height } : {}),
      });
    }
    return {
      notification_type: 'eager',
      public_id: media.publicId,
      resource_type: resourceTypeOf(media.kind),
      format: media.format ?? undefined,
      bytes: media.bytes,
      ...(result.width ? { width: result.width } : {}),
      ...(result.height ? { height: result.height } : {}),
      ...(result.durationSeconds ? { duration: result.durationSeconds } : {}),
      eager,
    };
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof ProcessingError) return error.message;
  if (error instanceof FfmpegNotFoundError) return 'This server cannot process video or audio yet (ffmpeg is not installed).';
  return 'The file could not be processed.';
}
