import type { Viewer } from '@chirpchat/kit';
import type { Media } from '../entities/media.entity.js';
import type { MediaStore, StoredMedia } from '../stores/store.js';
import { MediaStatus } from '../types/media-status.enum.js';
import { MediaVariants } from '../types/media-variants.type.js';
import type { VariantName } from '../variants.js';
import type { MediaAccessService } from './access.service.js';

/** The signed URLs of one file for one viewer. */
export interface SignedMediaUrls {
  url: string | null;
  variants: MediaVariants;
  expiresAt: Date;
}

const VARIANT_NAMES: VariantName[] = ['thumbnail', 'preview', 'poster', 'animatedPreview', 'mp4', 'hls', 'dash', 'audio'];

/**
 * Signs URLs for viewers who may see a file, and for nobody else. URLs expire after the TTL,
 * rounded up to the next whole minute, so that the same viewer asking twice within a minute gets
 * the same URLs and the browser's cache keeps working.
 */
export class MediaUrlService {
  constructor(
    private readonly store: MediaStore,
    private readonly access: MediaAccessService,
    private readonly ttlSeconds: number,
    /** The clock URLs expire by, in epoch milliseconds. */
    private readonly now: () => number = Date.now,
  ) {}

  /** @returns null unless the file is READY and the viewer may see it */
  async forViewer(media: Media, viewer: Viewer | null, authorization: string | null): Promise<SignedMediaUrls | null> {
    if (!viewer || media.status !== MediaStatus.READY) return null;
    if (!(await this.access.canSee(media, viewer, authorization))) return null;
    return this.sign(media);
  }

  /** Signs without asking: for callers that have checked access themselves. */
  sign(media: Media, nowMs = this.now()): SignedMediaUrls {
    // Rounded up to the minute (to the second for lifetimes under two minutes, as in tests).
    const step = this.ttlSeconds >= 120 ? 60_000 : 1000;
    const expiresAt = new Date(Math.ceil((nowMs + this.ttlSeconds * 1000) / step) * step);
    const stored = toStored(media);
    const variants = new MediaVariants();
    for (const name of VARIANT_NAMES) variants[name] = this.store.signedUrl(stored, name, expiresAt);
    return { url: this.store.signedUrl(stored, null, expiresAt), variants, expiresAt };
  }
}

/** What the store needs of a media row. */
export function toStored(media: Media): StoredMedia {
  return {
    id: media.id,
    kind: media.kind,
    mimeType: media.mimeType,
    publicId: media.publicId,
    variants: media.variants,
    format: media.format,
  };
}
