import type { MediaKind, MediaLimitsQuery } from '../../graphql/generated/graphql';

/** What the server accepts for one kind of media. */
export interface KindRule {
  readonly mimeTypes: readonly string[];
  readonly maxBytes: number;
}

/**
 * What the server accepts, as its `mediaLimits` says: a file it would refuse is refused here at
 * once, with a reason, before it is sent. A kind missing here is not accepted at all.
 */
export type KindRules = Readonly<Partial<Record<MediaKind, KindRule>>>;

/** The answer of `mediaLimits`, by kind. */
export function toKindRules(limits: MediaLimitsQuery['mediaLimits']): KindRules {
  return Object.fromEntries(limits.kinds.map(({ kind, mimeTypes, maxBytes }) => [kind, { mimeTypes, maxBytes }]));
}

/** What the file picker offers; anything else can still be dropped, and is refused with a reason. */
export function acceptOf(rules: KindRules): string {
  return Object.values(rules)
    .flatMap((rule) => rule.mimeTypes)
    .join(',');
}

/** Names browsers give some accepted types. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'audio/mp3': 'audio/mpeg',
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'audio/x-flac': 'audio/flac',
  'application/x-zip-compressed': 'application/zip',
};

/** Types by extension, for files the browser gives no type (some systems do that for .m4a, .flac…). */
const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  pdf: 'application/pdf',
  zip: 'application/zip',
  txt: 'text/plain',
};

/** The MIME type to declare for a file, its kind and that kind's largest file; null when the server would not accept it. */
export function classify(file: File, rules: KindRules): { mimeType: string; kind: MediaKind; maxBytes: number } | null {
  const declared = file.type.trim().toLowerCase();
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  const mimeType = ALIASES[declared] ?? (declared || BY_EXTENSION[extension] || '');
  for (const [kind, rule] of Object.entries(rules) as Array<[MediaKind, KindRule]>) {
    if (rule.mimeTypes.includes(mimeType)) return { mimeType, kind, maxBytes: rule.maxBytes };
  }
  return null;
}

/**
 * Whether an image's first bytes are what its type says: a text file renamed `.png` is refused
 * here instead of after its upload.
 */
export async function looksLikeImage(file: Blob, mimeType: string): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const ascii = (from: number, to: number) => String.fromCharCode(...head.slice(from, to));
  switch (mimeType) {
    case 'image/jpeg':
      return head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    case 'image/png':
      return head[0] === 0x89 && ascii(1, 4) === 'PNG';
    case 'image/gif':
      return ascii(0, 4) === 'GIF8';
    case 'image/webp':
      return ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP';
    case 'image/avif':
      return ascii(4, 8) === 'ftyp';
    default:
      return true;
  }
}

const MB = 1024 * 1024;

/** "25 MB", "740 KB": sizes as people read them (binary units, as the limits are set). */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
