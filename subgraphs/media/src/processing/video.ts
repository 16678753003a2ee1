import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { MAX_DURATION_SECONDS, MAX_VIDEO_DIMENSION } from '../kinds.js';
import type { ProcessedFile, ProcessingResult } from './types.js';
import { ProcessingError } from './errors.js';
import { FFMPEG_THREADS, ffmpeg, inputFile, probe, type ProbeResult } from './ffmpeg.js';

/** HLS segment length, and the keyframe interval of the web MP4 so that it can be cut there without re-encoding. */
const SEGMENT_SECONDS = 4;

/** Widest the web MP4 and the poster get; height follows the aspect ratio and is kept even (yuv420p needs it). */
const scaleTo = (width: number) => `scale=w='min(${width},trunc(iw/2)*2)':h=-2`;

/** Leaves the uploader's metadata (GPS position, device) and any subtitle or data tracks behind. */
const STRIP = ['-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn'];

const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-threads', FFMPEG_THREADS];

async function file(outputDir: string, name: string, mimeType: string, extra: Partial<ProcessedFile> = {}): Promise<ProcessedFile> {
  return { file: name, mimeType, bytes: (await stat(path.join(outputDir, name))).size, ...extra };
}

/** Refuses what the limits do not allow, before any encoding starts. */
function checkLimits(info: ProbeResult): void {
  if (!info.hasVideo)
    throw new ProcessingError('UNDECODABLE', 'The video has no picture we can decode; try exporting it again as MP4 (H.264).');
  if ((info.width ?? 0) > MAX_VIDEO_DIMENSION || (info.height ?? 0) > MAX_VIDEO_DIMENSION) {
    throw new ProcessingError(
      'FILE_TOO_LARGE',
      `The video is ${info.width}×${info.height}; the limit is ${MAX_VIDEO_DIMENSION} pixels on either side. Export it at 4K or less.`,
    );
  }
  if ((info.durationSeconds ?? 0) > MAX_DURATION_SECONDS) {
    throw new ProcessingError(
      'FILE_TOO_LARGE',
      `The video is ${Math.round(info.durationSeconds! / 60)} minutes long; the limit is ${MAX_DURATION_SECONDS / 60} minutes. Trim it and send it again.`,
    );
  }
}

/**
 * Makes the web MP4, an HLS rendition cut from it (remuxed, not encoded twice), a poster frame, a
 * square thumbnail of the poster and a three-second silent preview. A video without sound gets
 * no audio track rather than a silent one.
 */
export async function processVideo(inputPath: string, outputDir: string, signal?: AbortSignal): Promise<ProcessingResult> {
  const info = await probe(inputPath, { signal });
  checkLimits(info);
  const input = inputFile(inputPath);
  const options = { signal, cwd: outputDir };

  const audio = info.hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k', '-ac', '2'] : ['-an'];
  await ffmpeg(
    [
      ...input,
      '-map',
      '0:v:0',
      ...audio,
      '-vf',
      scaleTo(1280),
      ...H264,
      '-crf',
      '23',
      '-force_key_frames',
      `expr:gte(t,n_forced*${SEGMENT_SECONDS})`,
      ...STRIP,
      '-movflags',
      '+faststart',
      'video.mp4',
    ],
    options,
  );

  await mkdir(path.join(outputDir, 'hls'), { recursive: true });
  await ffmpeg(
    [
      ...inputFile(path.join(outputDir, 'video.mp4')),
      '-map',
      '0',
      '-c',
      'copy',
      '-f',
      'hls',
      '-hls_time',
      String(SEGMENT_SECONDS),
      '-hls_playlist_type',
      'vod',
      '-hls_list_size',
      '0',
      '-hls_segment_filename',
      'segment-%03d.ts',
      'index.m3u8',
    ],
    { signal, cwd: path.join(outputDir, 'hls') },
  );

  const posterAt = (info.durationSeconds ?? 0) >= 1 ? '0.5' : '0';
  await ffmpeg(
    ['-ss', posterAt, ...input, '-map', '0:v:0', '-frames:v', '1', '-vf', scaleTo(1280), '-q:v', '3', ...STRIP, 'poster.jpg'],
    options,
  );
  const thumb = await sharp(path.join(outputDir, 'poster.jpg'))
    .resize(250, 250, { fit: 'cover', position: sharp.strategy.attention })
    .jpeg({ quality: 80 })
    .toFile(path.join(outputDir, 'thumbnail.jpg'));

  await ffmpeg(
    [
      ...input,
      '-t',
      '3',
      '-map',
      '0:v:0',
      '-an',
      '-vf',
      scaleTo(480),
      ...H264,
      '-crf',
      '28',
      ...STRIP,
      '-movflags',
      '+faststart',
      'animated-preview.mp4',
    ],
    options,
  );

  const mp4 = await probe(path.join(outputDir, 'video.mp4'), { signal });
  const poster = await sharp(path.join(outputDir, 'poster.jpg')).metadata();
  const animated = await probe(path.join(outputDir, 'animated-preview.mp4'), { signal });
  return {
    width: info.width,
    height: info.height,
    durationSeconds: info.durationSeconds,
    variants: {
      mp4: await file(outputDir, 'video.mp4', 'video/mp4', { width: mp4.width, height: mp4.height, durationSeconds: mp4.durationSeconds }),
      hls: await file(outputDir, 'hls/index.m3u8', 'application/vnd.apple.mpegurl', {
        width: mp4.width,
        height: mp4.height,
        durationSeconds: mp4.durationSeconds,
      }),
      poster: await file(outputDir, 'poster.jpg', 'image/jpeg', { width: poster.width, height: poster.height }),
      thumbnail: { file: 'thumbnail.jpg', mimeType: 'image/jpeg', bytes: thumb.size, width: thumb.width, height: thumb.height },
      animatedPreview: await file(outputDir, 'animated-preview.mp4', 'video/mp4', {
        width: animated.width,
        height: animated.height,
        durationSeconds: animated.durationSeconds,
      }),
    },
  };
}
