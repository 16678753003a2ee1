import type { MediaKindName } from '../kinds.js';

export type InspectResult =
  | { ok: true; kind: MediaKindName; mimeType: string; width?: number; height?: number; durationSeconds?: number }
  | { ok: false; code: 'INVALID_FILE_TYPE' | 'FILE_TOO_LARGE'; message: string };

/** Placeholder until the processing module lands. */
export async function inspectUpload(_path: string, declaredMimeType: string): Promise<InspectResult> {
  return { ok: false, code: 'INVALID_FILE_TYPE', message: declaredMimeType };
}

export async function sniffMimeType(_head: Uint8Array): Promise<string | undefined> {
  return undefined;
}
