import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, Logger } from '@chirpchat/kit';
import { Media } from '../entities/media.entity.js';
import { KIND_RULES } from '../kinds.js';
import type { MediaStore, StoredVariant } from '../stores/store.js';
import { MediaStatus } from '../types/media-status.enum.js';
import { EAGER_VARIANTS, variantForTransformation, type VariantName } from '../variants.js';
import type { MediaEventsService } from './media-events.service.js';

/** One entry of a notification's `eager` list, as Cloudinary reports it (the local worker adds `file`). */
export interface EagerResult {
  transformation: string;
  format?: string;
  width?: number;
  height?: number;
  bytes?: number;
  secure_url?: string;
  /** Local store: the variant's file inside the media directory. */
  file?: string;
  status?: string;
}

/**
 * A "processing finished" notification in Cloudinary's shape: `upload` when the original is stored,
 * `eager` when the eager transformations are done. The local processing worker sends the same.
 */
export interface MediaNotification {
  notification_type: string;
  public_id: string;
  resource_type?: string;
  format?: string;
  bytes?: number;
  width?: number;
  height?: number;
  duration?: number;
  eager?: EagerResult[];
  /** `failed` when processing could not be done; `error.message` says why. */
  status?: string;
  error?: { message?: string };
}

export type WebhookOutcome =
  | { status: 200; result: 'applied' | 'unchanged' | 'unknown-media' }
  | { status: 400; result: 'malformed' }
  | { status: 403; result: 'bad-signature' }
  | { status: 409; result: 'replayed' };

export interface StorageWebhookOptions {
  /** How far a notification's timestamp may be from now, either way. @default 300 */
  windowSeconds?: number;
  /** Called after a file became too large or failed on the store's side, to remove what the store kept. */
  onRejected?: (media: Media) => Promise<void>;
}

/**
 * The storage webhook (the store telling media about processing; not the notifications subgraph):
 * `/webhooks/cloudinary/media-processed`, and what the local processing worker
 * calls directly: one code path for both stores. The signature is checked on the raw body in
 * constant time with a short window; a signature seen before is refused (replay); applying is
 * idempotent and order-independent (an `eager` before its `upload` still makes the file READY, a
 * second `eager` changes nothing), and `mediaProcessed` goes out only on the change to READY or
 * FAILED, after the commit.
 */
export class StorageWebhookService {
  private readonly windowSeconds: number;

  constructor(
    private readonly rootEm: EntityManager,
    private readonly store: MediaStore,
    private readonly events: MediaEventsService,
    private readonly logger: Logger,
    private readonly options: StorageWebhookOptions = {},
  ) {
    this.windowSeconds = options.windowSeconds ?? 300;
  }

  async handle(rawBody: string, timestamp: string | undefined, signature: string | undefined): Promise<WebhookOutcome> {
    if (!this.store.verifyNotification(rawBody, timestamp, signature, this.windowSeconds)) {
      this.logger.warn({ timestamp }, 'media notification refused: bad or stale signature');
      return { status: 403, result: 'bad-signature' };
    }
    const notification = parse(rawBody);
    if (!notification) return { status: 400, result: 'malformed' };

    const receipt = createHash('sha256').update(`${timestamp}:${signature}`).digest('hex');
    const outcome = await this.rootEm.fork().transactional(async (tx) => {
      const fresh = await tx.execute<Array<{ receipt: string }>>(
        `insert into "media"."notification_receipt" ("receipt", "received_at") values (?, now()) on conflict do nothing returning "receipt"`,
        [receipt],
      );
      if (fresh.length === 0) return { result: 'replayed' as const };
      const media = await tx.findOne(Media, { publicId: notification.public_id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!media) return { result: 'unknown-media' as const };
      const change = apply(media, notification);
      if (change !== 'unchanged') media.updatedAt = new Date();
      await tx.flush();
      return { result: change, media };
    });

    if (outcome.result === 'replayed') {
      this.logger.warn({ publicId: notification.public_id }, 'media notification refused: replayed');
      return { status: 409, result: 'replayed' };
    }
    if (outcome.result === 'unknown-media') {
      this.logger.info(
        { publicId: notification.public_id, type: notification.notification_type },
        'media notification for a file we do not have',
      );
      return { status: 200, result: 'unknown-media' };
    }
    const { media } = outcome;
    if (outcome.result === 'settled') {
      this.logger.info({ mediaId: media.id, status: media.status, error: media.error ?? undefined }, 'media processed');
      if (media.status === MediaStatus.FAILED) await this.options.onRejected?.(media);
      await this.events.publishProcessed(media);
      return { status: 200, result: 'applied' };
    }
    return { status: 200, result: outcome.result === 'updated' ? 'applied' : 'unchanged' };
  }
}

/**
 * Applies a notification to the row.
 * @returns `settled` when the file just became READY or FAILED, `updated` for other changes
 */
function apply(media: Media, notification: MediaNotification): 'settled' | 'updated' | 'unchanged' {
  const before = snapshot(media);
  const settledBefore = media.status === MediaStatus.READY || media.status === MediaStatus.FAILED;
  media.metadata = { ...media.metadata, [notification.notification_type]: notification };
  media.format ??= notification.format ?? null;
  if (typeof notification.bytes === 'number' && notification.notification_type === 'upload') media.bytes = notification.bytes;
  media.width ??= notification.width ?? null;
  media.height ??= notification.height ?? null;
  media.durationSeconds ??= notification.duration ?? null;

  if (!settledBefore) {
    const limit = KIND_RULES[media.kind].maxBytes;
    if (notification.status === 'failed') {
      fail(media, notification.error?.message ?? 'The file could not be processed.');
    } else if (notification.notification_type === 'upload' && media.bytes > limit) {
      fail(media, `The file is larger than the ${Math.round(limit / 1024 / 1024)} MB limit for its kind.`);
    } else if (notification.notification_type === 'eager') {
      const variants: Partial<Record<VariantName, StoredVariant>> = {};
      for (const entry of notification.eager ?? []) {
        const name = variantForTransformation(media.kind, entry.transformation);
        if (!name) continue;
        if (entry.status === 'failed') {
          fail(media, 'A variant of the file could not be made.');
          break;
        }
        variants[name] = {
          transformation: entry.transformation,
          format: entry.format ?? '',
          ...(entry.file ? { file: entry.file } : {}),
          ...(entry.width ? { width: entry.width } : {}),
          ...(entry.height ? { height: entry.height } : {}),
          ...(entry.bytes ? { bytes: entry.bytes } : {}),
        };
      }
      if (media.status !== MediaStatus.FAILED) {
        media.variants = variants;
        media.status = MediaStatus.READY;
      }
    } else if (notification.notification_type === 'upload') {
      // Nothing to wait for when the kind has no variants (documents).
      media.status = Object.keys(EAGER_VARIANTS[media.kind]).length === 0 ? MediaStatus.READY : MediaStatus.PROCESSING;
    }
  }
  const settledAfter = media.status === MediaStatus.READY || media.status === MediaStatus.FAILED;
  if (!settledBefore && settledAfter) return 'settled';
  // Key order is not compared: JSONB hands objects back with its own key order.
  return isDeepStrictEqual(snapshot(media), before) ? 'unchanged' : 'updated';
}

function snapshot(media: Media): Record<string, unknown> {
  return structuredClone({ ...media });
}

function fail(media: Media, reason: string): void {
  media.status = MediaStatus.FAILED;
  media.error = reason;
}

function parse(rawBody: string): MediaNotification | null {
  try {
    const value = JSON.parse(rawBody) as Partial<MediaNotification> | null;
    if (!value || typeof value.notification_type !== 'string' || typeof value.public_id !== 'string') return null;
    if (value.eager !== undefined && !Array.isArray(value.eager)) return null;
    return value as MediaNotification;
  } catch {
    return null;
  }
}
