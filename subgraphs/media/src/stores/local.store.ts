import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { VariantName } from '../variants.js';
import { hmac, safeEqual, verifyNotificationSignature } from './signing.js';
import type { DirectUpload, MediaStore, StoredMedia, TicketRequest } from './store.js';

export interface LocalStoreOptions {
  /** Where files live: `<root>/files/<id>/…` (originals and variants) and `<root>/incoming/<id>/…` (uploads in progress). */
  root: string;
  /** Signs upload URLs, file URLs and the processing worker's notifications. */
  secret: string;
  /** How long an upload ticket stays valid. @default 3600 */
  ticketTtlSeconds?: number;
  /** The clock, in epoch milliseconds, that tickets and file URLs are checked by; tests move it. @default Date.now */
  now?: () => number;
}

/** What a signed upload URL carries, checked by the upload endpoint. */
export interface UploadGrant {
  mediaId: string;
  expires: number;
  maxBytes: number;
  mimeType: string;
}

/** The original's file name inside a media directory; the extension is kept for humans and ffmpeg. */
export const ORIGINAL_BASENAME = 'original';

/**
 * Files on the local disk, served by the media subgraph through the router's origin. Uploads go to
 * `/media/upload/<id>` with HMAC-signed, expiring form fields; files are read through
 * `/media/files/<id>/<file>?expires=…&signature=…`, signed per file.
 */
export class LocalStore implements MediaStore {
  readonly name = 'local' as const;
  private readonly ticketTtlSeconds: number;
  /** This store's clock, in epoch milliseconds. */
  readonly now: () => number;

  constructor(private readonly options: LocalStoreOptions) {
    this.ticketTtlSeconds = options.ticketTtlSeconds ?? 3600;
    this.now = options.now ?? Date.now;
  }

  get root(): string {
    return this.options.root;
  }

  publicIdFor(id: string): string {
    return id;
  }

  /** The directory holding a media's original and variants. */
  mediaDir(id: string): string {
    return path.join(this.options.root, 'files', id);
  }

  /** The directory holding a media's upload parts while chunks arrive. */
  incomingDir(id: string): string {
    return path.join(this.options.root, 'incoming', id);
  }

  createUpload(request: TicketRequest): DirectUpload {
    const expires = Math.floor(this.now() / 1000) + this.ticketTtlSeconds;
    const grant: UploadGrant = { mediaId: request.id, expires, maxBytes: request.maxBytes, mimeType: request.mimeType };
    return {
      uploadUrl: `/media/upload/${request.id}`,
      fields: {
        expires: String(expires),
        max_bytes: String(request.maxBytes),
        mime_type: request.mimeType,
        signature: this.signUpload(grant),
      },
      expiresAt: new Date(expires * 1000),
    };
  }

  /**
   * Reads and checks the fields of an upload form.
   * @returns the grant, `'expired'`, or `'invalid'` (missing or tampered fields)
   */
  checkUpload(mediaId: string, fields: Record<string, string>, nowMs = this.now()): UploadGrant | 'expired' | 'invalid' {
    const expires = Number(fields.expires);
    const maxBytes = Number(fields.max_bytes);
    const mimeType = fields.mime_type;
    if (!Number.isSafeInteger(expires) || !Number.isSafeInteger(maxBytes) || !mimeType || !fields.signature) return 'invalid';
    const grant = { mediaId, expires, maxBytes, mimeType };
    if (!safeEqual(this.signUpload(grant), fields.signature)) return 'invalid';
    return expires * 1000 < nowMs ? 'expired' : grant;
  }

  signedUrl(media: StoredMedia, variant: VariantName | null, expiresAt: Date): string | null {
    const file = variant === null ? originalFile(media) : media.variants[variant]?.file;
    if (!file) return null;
    return this.fileUrl(media.id, file, expiresAt);
  }

  /** A signed URL for any file of a media (HLS segments are signed one by one when the manifest is served). */
  fileUrl(mediaId: string, file: string, expiresAt: Date): string {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    const signature = hmac(this.options.secret, `file:${mediaId}/${file}:${expires}`);
    return `/media/files/${mediaId}/${file.split('/').map(encodeURIComponent).join('/')}?expires=${expires}&signature=${signature}`;
  }

  /** @returns `'ok'`, `'expired'` (410) or `'invalid'` (403) */
  checkFile(
    mediaId: string,
    file: string,
    expires: string | undefined,
    signature: string | undefined,
    nowMs = this.now(),
  ): 'ok' | 'expired' | 'invalid' {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return 'invalid';
    if (!safeEqual(hmac(this.options.secret, `file:${mediaId}/${file}:${expires}`), signature)) return 'invalid';
    return Number(expires) * 1000 < nowMs ? 'expired' : 'ok';
  }

  async delete(media: StoredMedia): Promise<void> {
    await rm(this.mediaDir(media.id), { recursive: true, force: true });
    await rm(this.incomingDir(media.id), { recursive: true, force: true });
  }

  verifyNotification(rawBody: string, timestamp: string | undefined, signature: string | undefined, windowSeconds: number): boolean {
    return verifyNotificationSignature(rawBody, timestamp, signature, this.options.secret, 'sha256', windowSeconds);
  }

  /** The processing worker's notifications are signed like Cloudinary's, with this store's secret. */
  get notificationSecret(): string {
    return this.options.secret;
  }

  private signUpload(grant: UploadGrant): string {
    return hmac(this.options.secret, `upload:${grant.mediaId}:${grant.expires}:${grant.maxBytes}:${grant.mimeType}`);
  }
}

function originalFile(media: StoredMedia): string | null {
  return media.format ? `${ORIGINAL_BASENAME}.${media.format}` : null;
}
