/** The four kinds of media, as the API names them. */
export type MediaKindName = 'IMAGE' | 'VIDEO' | 'AUDIO' | 'DOCUMENT';

export interface KindRule {
  /** Declared MIME types accepted for this kind; the file's own bytes must agree (see validation). */
  mimeTypes: readonly string[];
  /** Largest file accepted, in bytes. */
  maxBytes: number;
}

const MB = 1024 * 1024;

/**
 * What may be uploaded. SVG is not here: it is a document that runs script, not a picture, and
 * rasterising it safely is not worth its risk in a chat.
 */
export const KIND_RULES: Readonly<Record<MediaKindName, KindRule>> = {
  IMAGE: { mimeTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'], maxBytes: 25 * MB },
  VIDEO: { mimeTypes: ['video/mp4', 'video/quicktime', 'video/webm'], maxBytes: 250 * MB },
  AUDIO: {
    mimeTypes: ['audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/ogg', 'audio/webm', 'audio/wav', 'audio/x-wav', 'audio/flac'],
    maxBytes: 50 * MB,
  },
  DOCUMENT: {
    mimeTypes: [
      'application/pdf',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      'application/zip',
      'text/plain',
    ],
    maxBytes: 50 * MB,
  },
};

/** Images above this many pixels are refused before they are decoded (decompression bombs). 12 MP photos pass easily. */
export const MAX_IMAGE_PIXELS = 60_000_000;

/** Videos larger than this in either dimension are refused (probe before transcoding). */
export const MAX_VIDEO_DIMENSION = 4096;

/** Video and audio longer than this are refused. */
export const MAX_DURATION_SECONDS = 30 * 60;

/**
 * Cloudinary's resource type per kind (audio is stored and transcoded as `video`, documents as
 * `raw`); the local store reports the same in its notifications.
 */
export function resourceTypeOf(kind: MediaKindName): 'image' | 'video' | 'raw' {
  if (kind === 'IMAGE') return 'image';
  if (kind === 'DOCUMENT') return 'raw';
  return 'video';
}

/** The kind a declared MIME type belongs to, or null when it is not accepted at all. */
export function kindOf(mimeType: string): MediaKindName | null {
  const normalised = mimeType.trim().toLowerCase();
  for (const [kind, rule] of Object.entries(KIND_RULES) as Array<[MediaKindName, KindRule]>) {
    if (rule.mimeTypes.includes(normalised)) return kind;
  }
  return null;
}
