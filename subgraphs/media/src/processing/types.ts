import type { MediaKindName } from '../kinds.js';
import type { VariantName } from '../variants.js';

/** One file the processing made, inside the output directory. */
export interface ProcessedFile {
  /** Path relative to the output directory, e.g. `thumbnail.jpg` or `hls/index.m3u8`. */
  file: string;
  mimeType: string;
  bytes: number;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

/** What processing learnt about the original and the variants it made. */
export interface ProcessingResult {
  width?: number;
  height?: number;
  durationSeconds?: number;
  variants: Partial<Record<VariantName, ProcessedFile>>;
}

/** Turns an uploaded original into its variants (see EAGER_VARIANTS for the list per kind). */
export type ProcessMedia = (kind: MediaKindName, inputPath: string, outputDir: string, signal?: AbortSignal) => Promise<ProcessingResult>;
