import { defineQueue } from '@chirpchat/kit';

/** Local store: make the variants of one uploaded file (sharp, ffmpeg). Job id = media id. */
export const mediaProcessQueue = defineQueue<{ mediaId: string }>('media-process', {
  retryLimit: 2,
  retryDelay: 10,
  retryBackoff: true,
  // A 200 MB video takes minutes on a small machine; a job held longer is presumed dead and re-run.
  expireInSeconds: 30 * 60,
  retentionSeconds: 7 * 86_400,
});

/** Retry settings of the per-file deletion jobs (tests shorten them). */
export interface DeleteRetry {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
}

export const defaultDeleteRetry: DeleteRetry = { retryLimit: 12, retryDelay: 10, retryBackoff: true };

/** Delete one file from its store, then its row. Retried with backoff: the store may be away for a while. */
export const mediaDeleteFileQueue = (retry: DeleteRetry = defaultDeleteRetry) =>
  defineQueue<{ mediaId: string; reason: string }>('media-delete-file', {
    ...retry,
    ...(retry.retryBackoff ? { retryDelayMax: 3600 } : {}),
    expireInSeconds: 300,
    retentionSeconds: 14 * 86_400,
  });

/** Hourly: forget old notification receipts and uploads that never finished. */
export const mediaMaintenanceQueue = defineQueue<object>('media-maintenance', { retryLimit: 1, expireInSeconds: 600 });
