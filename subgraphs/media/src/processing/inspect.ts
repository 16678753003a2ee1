import { open, stat } from 'node:fs/promises';
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { KIND_RULES, MAX_DURATION_SECONDS, MAX_IMAGE_PIXELS, MAX_VIDEO_DIMENSION, kindOf, type MediaKindName } from '../kinds.js';
import { FfmpegError, probe } from './ffmpeg.js';

/** An upload's verdict: its kind and real type, or why it is refused (the message is for the uploader). */
export type InspectResult =
  | { ok: true; kind: MediaKindName; mimeType: string; width?: number; height?: number; durationSeconds?: number }
  | { ok: false; code: 'INVALID_FILE_TYPE' | 'FILE_TOO_LARGE'; message: string };

type Refusal = Extract<InspectResult, { ok: false }>;

/** How far into a file text and SVG checks look. */
const HEAD_BYTES = 64 * 1024;

/** Spellings of the same type that browsers, operating systems and file-type use interchangeably. */
const ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/apng': 'image/png',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'audio/mp3': 'audio/mpeg',
  'audio/x-flac': 'audio/flac',
  'audio/x-aac': 'audio/aac',
  'video/x-m4v': 'video/mp4',
  'application/x-zip-compressed': 'application/zip',
};

/** Containers file-type names as video that may hold sound only, and the audio type they are then. */
const AUDIO_IN_VIDEO_CONTAINER: Readonly<Record<string, string>> = {
  'video/mp4': 'audio/mp4',
  'video/quicktime': 'audio/mp4',
  'video/webm': 'audio/webm',
  'video/ogg': 'audio/ogg',
};

const OFFICE_TYPES = new Set(KIND_RULES.DOCUMENT.mimeTypes.filter((type) => type.startsWith('application/vnd.openxmlformats')));

const invalid = (message: string): Refusal => ({ ok: false, code: 'INVALID_FILE_TYPE', message });
const tooLarge = (message: string): Refusal => ({ ok: false, code: 'FILE_TOO_LARGE', message });

const SVG_REFUSED = invalid('SVG images are not accepted (they can carry scripts). Export the picture as PNG or JPEG and send that.');

/** Lower-cased, without parameters (`audio/ogg; codecs=opus`), with aliases resolved. */
export function normaliseMimeType(mimeType: string): string {
  const bare = mimeType.split(';')[0]!.trim().toLowerCase();
  return ALIASES[bare] ?? bare;
}

/**
 * The type a file's first bytes say it is, or undefined when they match no known signature (plain
 * text has none). The upload endpoint calls it on the first chunk to refuse a wrong file before
 * storing the rest; `inspectUpload` still checks the whole file afterwards.
 */
export async function sniffMimeType(head: Uint8Array): Promise<string | undefined> {
  if (looksLikeSvg(head)) return 'image/svg+xml';
  const type = await fileTypeFromBuffer(head);
  return type && normaliseMimeType(type.mime);
}

function looksLikeSvg(head: Uint8Array): boolean {
  const text = new TextDecoder('utf-8', { fatal: false })
    .decode(head.subarray(0, 4096))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<svg')) return true;
  return (text.startsWith('<?xml') || text.startsWith('<!doctype') || text.startsWith('<!--')) && text.includes('<svg');
}

function isPlainText(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const megapixels = (pixels: number) => `${Math.round(pixels / 1e6)} MP`;

async function inspectImage(path: string, mimeType: string): Promise<InspectResult> {
  let metadata: Metadata;
  try {
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    return invalid('The image could not be read; it may be damaged. Export it again as JPEG or PNG and send that.');
  }
  const pixels = metadata.width * metadata.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    return tooLarge(
      `The image is ${metadata.width}×${metadata.height} pixels (${megapixels(pixels)}); the limit is ${megapixels(MAX_IMAGE_PIXELS)}. Resize it and send it again.`,
    );
  }
  return { ok: true, kind: 'IMAGE', mimeType, width: metadata.autoOrient.width, height: metadata.autoOrient.height };
}

async function inspectTimed(path: string, kind: 'VIDEO' | 'AUDIO', mimeType: string): Promise<InspectResult> {
  let info;
  try {
    info = await probe(path);
  } catch (error) {
    if (error instanceof FfmpegError || error instanceof SyntaxError) {
      return invalid(
        `The ${kind === 'VIDEO' ? 'video' : 'recording'} could not be read; it may be damaged. Export it again and send that.`,
      );
    }
    throw error;
  }
  let reported = mimeType;
  if (kind === 'AUDIO' && mimeType.startsWith('video/')) {
    if (info.hasVideo) return invalid('This file is a video, not a recording; send it as a video.');
    reported = AUDIO_IN_VIDEO_CONTAINER[mimeType]!;
  }
  if (kind === 'VIDEO' && !info.hasVideo) {
    return invalid('The video has no picture we can decode. Export it as MP4 (H.264), or send a recording as audio.');
  }
  if (kind === 'AUDIO' && !info.hasAudio)
    return invalid('The recording has no sound we can decode. Export it as MP3 or M4A and send that.');
  if (kind === 'VIDEO' && ((info.width ?? 0) > MAX_VIDEO_DIMENSION || (info.height ?? 0) > MAX_VIDEO_DIMENSION)) {
    return tooLarge(
      `The video is ${info.width}×${info.height}; the limit is ${MAX_VIDEO_DIMENSION} pixels on either side. Export it at 4K or less.`,
    );
  }
  if ((info.durationSeconds ?? 0) > MAX_DURATION_SECONDS) {
    return tooLarge(
      `The ${kind === 'VIDEO' ? 'video' : 'recording'} is ${Math.round(info.durationSeconds! / 60)} minutes long; the limit is ${MAX_DURATION_SECONDS / 60} minutes. Trim it and send it again.`,
    );
  }
  return { ok: true, kind, mimeType: reported, width: info.width, height: info.height, durationSeconds: info.durationSeconds };
}

/** The kind a sniffed type belongs to; a video container counts as audio when audio was declared (checked by probing). */
function sniffedKind(sniffed: string, declaredKind: MediaKindName): MediaKindName | null {
  if (declaredKind === 'AUDIO' && sniffed in AUDIO_IN_VIDEO_CONTAINER) return 'AUDIO';
  return kindOf(sniffed);
}

/**
 * Validates an upload already on disk against what the client declared. The file's own bytes
 * decide its type; they must be of the declared kind and a type that kind accepts. Images are
 * measured from their header only (a pixel bomb is refused without being decoded); video and
 * audio are probed for a decodable stream of their kind and for the length and size limits.
 * SVG is refused however it is declared. The reported `mimeType` is the sniffed one.
 */
export async function inspectUpload(path: string, declaredMimeType: string): Promise<InspectResult> {
  const declared = normaliseMimeType(declaredMimeType);
  const head = await readHead(path);
  if (declared === 'image/svg+xml' || looksLikeSvg(head)) return SVG_REFUSED;

  const kind = kindOf(declared);
  if (!kind) return invalid(`Files of type ${declared || 'unknown'} are not accepted. Send an image, a video, a recording or a document.`);
  const bytes = (await stat(path)).size;
  if (bytes > KIND_RULES[kind].maxBytes) {
    return tooLarge(
      `The file is ${Math.ceil(bytes / 2 ** 20)} MB; the limit is ${KIND_RULES[kind].maxBytes / 2 ** 20} MB. Send a smaller one.`,
    );
  }

  const type = await fileTypeFromFile(path);
  if (!type) {
    if (declared === 'text/plain' && isPlainText(head)) return { ok: true, kind, mimeType: 'text/plain' };
    return invalid(`The file's content is not ${describe(declared)}. Check that you picked the right file.`);
  }
  let sniffed = normaliseMimeType(type.mime);
  if (sniffed === 'application/zip' && OFFICE_TYPES.has(declared)) sniffed = declared;
  if (sniffedKind(sniffed, kind) !== kind) {
    return invalid(`The file's content is ${describe(sniffed)}, not ${describe(declared)}. Check that you picked the right file.`);
  }
  if (kind !== 'AUDIO' || !(sniffed in AUDIO_IN_VIDEO_CONTAINER)) {
    if (!KIND_RULES[kind].mimeTypes.includes(sniffed))
      return invalid(`Files of type ${sniffed} are not accepted. Convert it to a common format.`);
  }

  switch (kind) {
    case 'IMAGE':
      return inspectImage(path, sniffed);
    case 'VIDEO':
    case 'AUDIO':
      return inspectTimed(path, kind, sniffed);
    case 'DOCUMENT':
      return { ok: true, kind, mimeType: sniffed };
  }
}

function describe(mimeType: string): string {
  const kind = kindOf(mimeType);
  const label =
    kind === null ? 'a type we do not accept' : { IMAGE: 'an image', VIDEO: 'a video', AUDIO: 'a recording', DOCUMENT: 'a document' }[kind];
  return `${label} (${mimeType})`;
}
