import { mkdir } from 'node:fs/promises';
import type { ProcessMedia } from './types.js';
import { ProcessingError } from './errors.js';
import { FfmpegError } from './ffmpeg.js';
import { processImage } from './image.js';
import { processVideo } from './video.js';
import { processAudio } from './audio.js';

export { ProcessingError, type ProcessingErrorCode } from './errors.js';
export { FfmpegNotFoundError, onFfmpegSpawn } from './ffmpeg.js';
export { inspectUpload, normaliseMimeType, sniffMimeType, type InspectResult } from './inspect.js';
export type { ProcessMedia, ProcessingResult, ProcessedFile } from './types.js';

const UNDECODABLE: Record<'VIDEO' | 'AUDIO', string> = {
  VIDEO: 'The video could not be decoded; it may be damaged. Try exporting it again as MP4 (H.264).',
  AUDIO: 'The recording could not be decoded; it may be damaged. Try exporting it again as MP3 or M4A.',
};

/**
 * The local store's processing: the same variants Cloudinary's eager transformations make (see
 * EAGER_VARIANTS), written under `outputDir` with the file names the local store serves. Documents
 * are kept as they are. Fails with ProcessingError for a file that is too big or undecodable.
 */
export const processMedia: ProcessMedia = async (kind, inputPath, outputDir, signal) => {
  signal?.throwIfAborted();
  await mkdir(outputDir, { recursive: true });
  switch (kind) {
    case 'IMAGE':
      return processImage(inputPath, outputDir, signal);
    case 'DOCUMENT':
      return { variants: {} };
    case 'VIDEO':
    case 'AUDIO':
      try {
        return await (kind === 'VIDEO' ? processVideo : processAudio)(inputPath, outputDir, signal);
      } catch (error) {
        if (error instanceof FfmpegError) throw new ProcessingError('UNDECODABLE', UNDECODABLE[kind], { cause: error });
        throw error;
      }
  }
};
