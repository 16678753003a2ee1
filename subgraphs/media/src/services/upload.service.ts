import {
  BadUserInputError,
  FileTooLargeError,
  ForbiddenError,
  InvalidFileTypeError,
  type EntityManager,
  type Viewer,
} from '@chirpchat/kit';
import { Media } from '../entities/media.entity.js';
import type { CreateUploadInput } from '../inputs/create-upload.input.js';
import { KIND_RULES, kindOf } from '../kinds.js';
import type { MediaStore } from '../stores/store.js';
import { MediaKind } from '../types/media-kind.enum.js';
import type { UploadTicket } from '../types/upload-ticket.type.js';
import type { MediaAccessService } from './access.service.js';

const MAX_FILENAME = 255;

/** Tickets for direct uploads: checks what can be checked before any byte is sent. */
export class UploadService {
  constructor(
    private readonly store: MediaStore,
    private readonly access: MediaAccessService,
  ) {}

  /**
   * Records the media (UPLOADING) and signs a direct upload for it.
   * @throws InvalidFileTypeError for a type we do not take (SVG included), FileTooLargeError above
   *   the kind's limit, BadUserInputError for a bad name or size, ForbiddenError when the viewer is
   *   not in the conversation
   */
  async createUpload(em: EntityManager, viewer: Viewer, input: CreateUploadInput, authorization: string | null): Promise<UploadTicket> {
    const filename = cleanFilename(input.filename);
    const mimeType = input.mimeType.trim().toLowerCase();
    if (mimeType === 'image/svg+xml') {
      throw new InvalidFileTypeError('SVG images are not accepted (they can carry scripts): export the picture as PNG or JPEG.');
    }
    const kind = kindOf(mimeType);
    if (!kind) {
      throw new InvalidFileTypeError(
        `Files of type ${mimeType || '(none)'} are not accepted. Send images (JPEG, PNG, WebP, GIF, AVIF), video (MP4, MOV, WebM), audio (MP3, M4A, AAC, Ogg, WebM, WAV, FLAC) or documents (PDF, Office, ZIP, plain text).`,
      );
    }
    const { maxBytes } = KIND_RULES[kind];
    if (!Number.isSafeInteger(input.bytes) || input.bytes <= 0)
      throw new BadUserInputError('bytes must be the file’s size, above 0.', 'bytes');
    if (input.bytes > maxBytes) {
      throw new FileTooLargeError(
        `This ${kind.toLowerCase()} is ${megabytes(input.bytes)}; the limit is ${megabytes(maxBytes)}.`,
        maxBytes,
      );
    }
    const conversationId = input.conversationId ?? null;
    if (conversationId !== null && !(await this.access.isMember(conversationId, viewer, authorization))) {
      throw new ForbiddenError('You can only upload files to conversations you are in.');
    }

    const media = Object.assign(new Media(), {
      uploaderId: viewer.id,
      conversationId,
      kind: MediaKind[kind],
      mimeType,
      filename,
      bytes: input.bytes,
      store: this.store.name,
    });
    media.publicId = this.store.publicIdFor(media.id);
    await em.insert(media);
    const upload = this.store.createUpload({ id: media.id, kind, mimeType, bytes: input.bytes, maxBytes });
    return { media, uploadUrl: upload.uploadUrl, fields: upload.fields, expiresAt: upload.expiresAt, maxBytes };
  }
}

function cleanFilename(raw: string): string {
  // Only the last path segment, without control characters: it is shown and used in downloads.
  const name = (raw.split(/[\\/]/).pop() ?? '').replace(/\p{Cc}/gu, '').trim();
  if (name.length === 0 || name.length > MAX_FILENAME)
    throw new BadUserInputError(`filename must have 1 to ${MAX_FILENAME} characters.`, 'filename');
  return name;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
