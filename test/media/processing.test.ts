import type { ChildProcess } from 'node:child_process';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onFfmpegSpawn, processMedia, ProcessingError, type ProcessingResult } from '@chirpchat/media/processing';
import { decodeFully, ffprobe, makeAudio, makeMp4, makePixelBomb, makePng, makeTempDir, type Probed } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
const input = (name: string) => path.join(tmp.dir, 'in', name);
const output = (name: string) => path.join(tmp.dir, 'out', name);

beforeAll(async () => {
  tmp = await makeTempDir();
  await mkdir(path.join(tmp.dir, 'in'));
  await Promise.all([
    makePng(input('photo.png'), 1600, 1200),
    makePng(input('small.png'), 300, 200),
    makeMp4(input('clip.mp4'), 3, 640, 360),
    makeMp4(input('silent.mp4'), 1, 320, 240, { audio: false }),
    makeMp4(input('wide.mp4'), 0.2, 4112, 64, { audio: false }),
    makeAudio(input('tone.wav'), 2),
    makePixelBomb(input('bomb.png'), 20_000, 20_000),
  ]);
});

afterAll(async () => {
  await tmp?.remove();
});

const streamsOf = (probed: Probed, type: string) => probed.streams.filter((stream) => stream.codec_type === type);

async function expectListedFilesMatchDisk(result: ProcessingResult, dir: string) {
  for (const variant of Object.values(result.variants)) {
    expect((await stat(path.join(dir, variant!.file))).size).toBe(variant!.bytes);
  }
}

describe('images', () => {
  let result: ProcessingResult;
  beforeAll(async () => {
    result = await processMedia('IMAGE', input('photo.png'), output('photo'));
  });

  it('makes a 250×250 JPEG thumbnail', async () => {
    const meta = await sharp(output('photo/thumbnail.jpg')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 250, 250]);
    expect(result.variants.thumbnail).toMatchObject({ file: 'thumbnail.jpg', mimeType: 'image/jpeg', width: 250, height: 250 });
  });

  it('makes an 800 px wide WebP preview that keeps the aspect ratio', async () => {
    const meta = await sharp(output('photo/preview.webp')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 800, 600]);
    expect(result.variants.preview).toMatchObject({ file: 'preview.webp', mimeType: 'image/webp', width: 800, height: 600 });
  });

  it("reports the original's size and each file's bytes as they are on disk", async () => {
    expect([result.width, result.height]).toEqual([1600, 1200]);
    expect(Object.keys(result.variants).sort()).toEqual(['preview', 'thumbnail']);
    await expectListedFilesMatchDisk(result, output('photo'));
  });

  it('does not enlarge an image narrower than 800 px', async () => {
    const small = await processMedia('IMAGE', input('small.png'), output('small'));
    expect(small.variants.preview).toMatchObject({ width: 300, height: 200 });
  });

  it('turns a photo by its EXIF orientation and drops the EXIF', async () => {
    await sharp({ create: { width: 400, height: 200, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(input('rotated.jpg'));
    const rotated = await processMedia('IMAGE', input('rotated.jpg'), output('rotated'));
    expect([rotated.width, rotated.height]).toEqual([200, 400]);
    const meta = await sharp(output('rotated/preview.webp')).metadata();
    expect([meta.width, meta.height, meta.exif, meta.orientation]).toEqual([200, 400, undefined, undefined]);
  });

  it('refuses a pixel bomb as too large without decoding it', async () => {
    const error = await processMedia('IMAGE', input('bomb.png'), output('bomb')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ code: 'FILE_TOO_LARGE' });
  });
});

describe('video', () => {
  let result: ProcessingResult;
  beforeAll(async () => {
    result = await processMedia('VIDEO', input('clip.mp4'), output('clip'));
  });

  it('makes a faststart H.264/AAC MP4 of the same length', async () => {
    const probed = await ffprobe(output('clip/video.mp4'));
    expect(streamsOf(probed, 'video').map((s) => [s.codec_name, s.width, s.height])).toEqual([['h264', 640, 360]]);
    expect(streamsOf(probed, 'audio').map((s) => s.codec_name)).toEqual(['aac']);
    expect(Math.abs(Number(probed.format.duration) - 3)).toBeLessThanOrEqual(0.3);
    const head = (await readFile(output('clip/video.mp4'))).subarray(0, 64 * 1024).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(-1);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat') === -1 ? Infinity : head.indexOf('mdat'));
  });

  it('makes a VOD HLS playlist whose every segment exists and is H.264', async () => {
    const manifest = await readFile(output('clip/hls/index.m3u8'), 'utf8');
    expect(manifest).toMatch(/^#EXTM3U/);
    expect(manifest).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(manifest).toContain('#EXT-X-ENDLIST');
    const segments = manifest.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(segments.length).toBeGreaterThanOrEqual(1);
    expect(segments[0]).toBe('segment-000.ts');
    for (const segment of segments) {
      const probed = await ffprobe(output(`clip/hls/${segment}`));
      expect(streamsOf(probed, 'video').map((s) => s.codec_name)).toEqual(['h264']);
    }
    expect(result.variants.hls).toMatchObject({ file: 'hls/index.m3u8', mimeType: 'application/vnd.apple.mpegurl' });
  });

  it('makes an HLS rendition that plays from start to end', async () => {
    await expect(decodeFully(output('clip/hls/index.m3u8'))).resolves.toBeUndefined();
  });

  it('makes a JPEG poster and a 250×250 JPEG thumbnail', async () => {
    const poster = await sharp(output('clip/poster.jpg')).metadata();
    expect([poster.format, poster.width, poster.height]).toEqual(['jpeg', 640, 360]);
    const thumbnail = await sharp(output('clip/thumbnail.jpg')).metadata();
    expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(['jpeg', 250, 250]);
  });

  it('makes a silent animated preview of at most three seconds, 480 px wide', async () => {
    const probed = await ffprobe(output('clip/animated-preview.mp4'));
    expect(streamsOf(probed, 'audio')).toEqual([]);
    expect(streamsOf(probed, 'video').map((s) => [s.codec_name, s.width, s.height])).toEqual([['h264', 480, 270]]);
    expect(Number(probed.format.duration)).toBeLessThanOrEqual(3.1);
  });

  it("reports the original's size and length and every variant file", async () => {
    expect(result).toMatchObject({ width: 640, height: 360 });
    expect(Math.abs(result.durationSeconds! - 3)).toBeLessThanOrEqual(0.3);
    expect(Object.keys(result.variants).sort()).toEqual(['animatedPreview', 'hls', 'mp4', 'poster', 'thumbnail']);
    await expectListedFilesMatchDisk(result, output('clip'));
  });

  it('processes a video without sound into variants without an audio track', async () => {
    const silent = await processMedia('VIDEO', input('silent.mp4'), output('silent'));
    expect(Object.keys(silent.variants).sort()).toEqual(['animatedPreview', 'hls', 'mp4', 'poster', 'thumbnail']);
    const probed = await ffprobe(output('silent/video.mp4'));
    expect(probed.streams.map((s) => s.codec_type)).toEqual(['video']);
    await access(output('silent/hls/segment-000.ts'));
  });

  it('refuses a video wider than the limit before encoding it', async () => {
    const error = await processMedia('VIDEO', input('wide.mp4'), output('wide')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProcessingError', code: 'FILE_TOO_LARGE' });
    await expect(access(output('wide/video.mp4'))).rejects.toThrow();
  });

  it('fails with a message for the uploader when the video cannot be decoded', async () => {
    await writeFile(input('garbage.mp4'), Buffer.alloc(4096, 7));
    const error = await processMedia('VIDEO', input('garbage.mp4'), output('garbage')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ code: 'UNDECODABLE', message: expect.stringMatching(/video could not be decoded/) });
  });

  it('kills ffmpeg and rejects with AbortError when aborted', async () => {
    const controller = new AbortController();
    const children: ChildProcess[] = [];
    const stop = onFfmpegSpawn((child, binary) => {
      if (binary !== 'ffmpeg') return;
      children.push(child);
      controller.abort();
    });
    try {
      const error = await processMedia('VIDEO', input('clip.mp4'), output('aborted'), controller.signal).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'AbortError' });
      expect(children).toHaveLength(1);
      expect(children[0]!.signalCode).toBe('SIGKILL');
    } finally {
      stop();
    }
  });
});

describe('audio and documents', () => {
  it('makes an AAC audio.m4a of the same length', async () => {
    const result = await processMedia('AUDIO', input('tone.wav'), output('tone'));
    const probed = await ffprobe(output('tone/audio.m4a'));
    expect(probed.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([['audio', 'aac']]);
    expect(Math.abs(Number(probed.format.duration) - 2)).toBeLessThanOrEqual(0.3);
    expect(result.variants.audio).toMatchObject({ file: 'audio.m4a', mimeType: 'audio/mp4' });
    expect(Math.abs(result.durationSeconds! - 2)).toBeLessThanOrEqual(0.3);
    await expectListedFilesMatchDisk(result, output('tone'));
  });

  it('keeps documents as they are and creates the output directory', async () => {
    await expect(processMedia('DOCUMENT', input('photo.png'), output('nested/doc'))).resolves.toEqual({ variants: {} });
    await access(output('nested/doc'));
  });
});
