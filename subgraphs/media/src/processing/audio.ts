import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MAX_DURATION_SECONDS } from '../kinds.js';
import type { ProcessingResult } from './types.js';
import { ProcessingError } from './errors.js';
import { ffmpeg, inputFile, probe } from './ffmpeg.js';

/**
 * Makes `audio.m4a` (AAC 128 kb/s), which every browser plays. Cover art is dropped; more than two
 * channels are mixed down to stereo, fewer are kept.
 */
export async function processAudio(inputPath: string, outputDir: string, signal?: AbortSignal): Promise<ProcessingResult> {
  const info = await probe(inputPath, { signal });
  if (!info.hasAudio)
    throw new ProcessingError('UNDECODABLE', 'The file has no sound we can decode; try exporting it again as MP3 or M4A.');
  if ((info.durationSeconds ?? 0) > MAX_DURATION_SECONDS) {
    throw new ProcessingError(
      'FILE_TOO_LARGE',
      `The recording is ${Math.round(info.durationSeconds! / 60)} minutes long; the limit is ${MAX_DURATION_SECONDS / 60} minutes. Trim it and send it again.`,
    );
  }
  const channels = (info.audioChannels ?? 2) > 2 ? ['-ac', '2'] : [];
  await ffmpeg(
    [
      ...inputFile(inputPath),
      '-map',
      '0:a:0',
      '-vn',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      ...channels,
      '-map_metadata',
      '-1',
      '-movflags',
      '+faststart',
      'audio.m4a',
    ],
    { signal, cwd: outputDir },
  );
  const output = await probe(path.join(outputDir, 'audio.m4a'), { signal });
  return {
    durationSeconds: info.durationSeconds,
    variants: {
      audio: {
        file: 'audio.m4a',
        mimeType: 'audio/mp4',
        bytes: (await stat(path.join(outputDir, 'audio.m4a'))).size,
        durationSeconds: output.durationSeconds,
      },
    },
  };
}
