import type { MediaKindName } from '../kinds.js';
import type { VariantName } from '../variants.js';

/** What a store needs to know of a media row. */
export interface StoredMedia {
  id: string;
  kind: MediaKindName;
  mimeType: string;
  /** Where the store keeps it: Cloudinary's public id (`chirpchat/<id>`), or the local directory name. */
  publicId: string;
  /** The variants processing reported, by name: the transformation that made each and its format. */
  variants: Partial<Record<VariantName, StoredVariant>>;
  /** The original's format (file extension) as the store reported it, e.g. `png`. */
  format: string | null;
}

export interface StoredVariant {
  /** The eager transformation string (see EAGER_VARIANTS). */
  transformation: string;
  /** File extension, e.g. `jpg`, `m3u8`. */
  format: string;
  /** The local store's file, relative to the media's directory (e.g. `hls/index.m3u8`). */
  file?: string;
  width?: number;
  height?: number;
  bytes?: number;
}

/** How a client uploads a file directly to the store: POST multipart (fields + `file`) to `uploadUrl`. */
export interface DirectUpload {
  uploadUrl: string;
  fields: Record<string, string>;
  expiresAt: Date;
}

export interface TicketRequest {
  id: string;
  kind: MediaKindName;
  mimeType: string;
  bytes: number;
  maxBytes: number;
}

/**
 * Where media files live. Two implementations: `cloudinary` (production) and `local` (default and
 * tests). Both report "processing finished" through the same signed webhook payload.
 */
export interface MediaStore {
  readonly name: 'local' | 'cloudinary';
  /** What the store will call a media: Cloudinary's public id (`chirpchat/<id>`), or the local directory name. */
  publicIdFor(id: string): string;
  /** The signed form for a direct upload; valid until `expiresAt`. */
  createUpload(request: TicketRequest): DirectUpload;
  /**
   * A URL for the original (`variant` null) or one variant that works until `expiresAt` and not
   * after; null when the media has no such variant.
   */
  signedUrl(media: StoredMedia, variant: VariantName | null, expiresAt: Date): string | null;
  /** Removes every file of a media. Resolves when they are gone, also when there was nothing to remove. */
  delete(media: StoredMedia): Promise<void>;
  /**
   * Whether a notification is authentic and fresh: the signature over the raw body and timestamp
   * (`X-Cld-Signature`, `X-Cld-Timestamp`), compared in constant time, and the timestamp within
   * `windowSeconds` of now.
   */
  verifyNotification(rawBody: string, timestamp: string | undefined, signature: string | undefined, windowSeconds: number): boolean;
}
