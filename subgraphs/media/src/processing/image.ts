import path from 'node:path';
import sharp from 'sharp';
import { MAX_IMAGE_PIXELS } from '../kinds.js';
import type { ProcessingResult } from './types.js';
import { ProcessingError } from './errors.js';

/**
 * Each original is read once and never again, so libvips' operation cache only holds memory. This
 * is process-wide, and so is concurrency, which stays at libvips' default (one thread per core):
 * limiting it to 1 would halve the speed on two cores for a saving of one tile buffer per thread.
 * The job queue already processes one media at a time.
 */
sharp.cache(false);

/** Decoding options for every pipeline: refuse pixel bombs before allocating, first frame of animations. */
const INPUT = { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error', pages: 1 } as const;

/** Cropped square for lists and notifications: the region with the most detail (faces, edges) is kept. */
async function thumbnail(input: string, output: string) {
  return sharp(input, INPUT)
    .autoOrient()
    .resize(250, 250, { fit: 'cover', position: sharp.strategy.attention })
    .jpeg({ quality: 80 })
    .toFile(output);
}

/** What the chat shows inline: 800 px wide at most, never enlarged. */
async function preview(input: string, output: string) {
  return sharp(input, INPUT).autoOrient().resize({ width: 800, withoutEnlargement: true }).webp({ quality: 80 }).toFile(output);
}

/**
 * Makes `thumbnail.jpg` and `preview.webp`. Both are re-encoded without metadata, so EXIF (camera
 * serial numbers, GPS positions) never leaves the original. sharp cannot be interrupted, so an
 * abort takes effect between the two variants.
 */
export async function processImage(inputPath: string, outputDir: string, signal?: AbortSignal): Promise<ProcessingResult> {
  try {
    const metadata = await sharp(inputPath, INPUT).metadata();
    const thumb = await thumbnail(inputPath, path.join(outputDir, 'thumbnail.jpg'));
    signal?.throwIfAborted();
    const prev = await preview(inputPath, path.join(outputDir, 'preview.webp'));
    return {
      width: metadata.autoOrient.width,
      height: metadata.autoOrient.height,
      variants: {
        thumbnail: { file: 'thumbnail.jpg', mimeType: 'image/jpeg', bytes: thumb.size, width: thumb.width, height: thumb.height },
        preview: { file: 'preview.webp', mimeType: 'image/webp', bytes: prev.size, width: prev.width, height: prev.height },
      },
    };
  } catch (error) {
    if (signal?.aborted) throw error;
    if (error instanceof Error && /pixel limit/i.test(error.message)) {
      throw new ProcessingError('FILE_TOO_LARGE', `The image has more than ${MAX_IMAGE_PIXELS / 1e6} MP; send a smaller one.`, {
        cause: error,
      });
    }
    throw new ProcessingError('UNDECODABLE', 'The image could not be decoded; it may be damaged. Try exporting it again as JPEG or PNG.', {
      cause: error,
    });
  }
}
