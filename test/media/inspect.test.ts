import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectUpload, sniffMimeType } from '@chirpchat/media/processing';
import { makeAudio, makeMp4, makePdf, makePixelBomb, makePng, makeTempDir } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
const file = (name: string) => path.join(tmp.dir, name);

/** A zip archive with one stored file, built by hand (no zip tool needed). */
function zipWith(name: string, content: string): Buffer {
  const data = deflateRawSync(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(name.length, 26);
  return Buffer.concat([local, Buffer.from(name), data]);
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';

beforeAll(async () => {
  tmp = await makeTempDir();
  await Promise.all([
    makePng(file('photo.png'), 64, 48),
    makeMp4(file('clip.mp4'), 1, 160, 90),
    makeMp4(file('wide.mp4'), 0.2, 4112, 64, { audio: false }),
    makeAudio(file('tone.wav'), 1),
    makeAudio(file('tone.mp3'), 1),
    makeAudio(file('tone.m4a'), 1),
    makeAudio(file('sound-only.mp4'), 1),
    makePdf(file('doc.pdf')),
    makePixelBomb(file('bomb.png'), 30_000, 30_000),
    writeFile(file('notes.txt'), 'Grüße aus Köln — plain UTF-8 text.\n'.repeat(100)),
    writeFile(file('binary.txt'), Buffer.from([0x68, 0x69, 0x00, 0xff, 0xfe, 0x01])),
    writeFile(file('drawing.svg'), SVG),
    writeFile(file('drawing-xml.svg'), `<?xml version="1.0" encoding="UTF-8"?>\n${SVG}`),
    writeFile(file('archive.zip'), zipWith('payload.exe', 'MZ not really a program')),
    writeFile(
      file('program.exe'),
      Buffer.concat([
        Buffer.from('MZ'),
        Buffer.alloc(0x3a),
        Buffer.from([0x80, 0, 0, 0]),
        Buffer.alloc(0x40),
        Buffer.from('PE\0\0'),
        Buffer.alloc(64),
      ]),
    ),
  ]);
});

afterAll(async () => {
  await tmp?.remove();
});

describe('accepted uploads', () => {
  it('accepts a PNG declared as PNG and reports its size', async () => {
    await expect(inspectUpload(file('photo.png'), 'image/png')).resolves.toEqual({
      ok: true,
      kind: 'IMAGE',
      mimeType: 'image/png',
      width: 64,
      height: 48,
    });
  });

  it('accepts a PNG declared as JPEG, reporting the sniffed image/png', async () => {
    await expect(inspectUpload(file('photo.png'), 'image/jpeg')).resolves.toMatchObject({ ok: true, kind: 'IMAGE', mimeType: 'image/png' });
  });

  it('accepts an MP4 video with its dimensions and duration', async () => {
    const result = await inspectUpload(file('clip.mp4'), 'video/mp4');
    expect(result).toMatchObject({ ok: true, kind: 'VIDEO', mimeType: 'video/mp4', width: 160, height: 90 });
    expect(result.ok && Math.abs(result.durationSeconds! - 1)).toBeLessThanOrEqual(0.3);
  });

  it('accepts WAV declared as audio/x-wav and MP3 as audio/mpeg', async () => {
    await expect(inspectUpload(file('tone.wav'), 'audio/x-wav')).resolves.toMatchObject({ ok: true, kind: 'AUDIO', mimeType: 'audio/wav' });
    await expect(inspectUpload(file('tone.mp3'), 'audio/mpeg')).resolves.toMatchObject({ ok: true, kind: 'AUDIO', mimeType: 'audio/mpeg' });
  });

  it('accepts an M4A declared as audio/x-m4a as audio/mp4', async () => {
    await expect(inspectUpload(file('tone.m4a'), 'audio/x-m4a')).resolves.toMatchObject({ ok: true, kind: 'AUDIO', mimeType: 'audio/mp4' });
  });

  it('accepts sound in an MP4 container (sniffed as video/mp4) declared as audio/mp4', async () => {
    await expect(inspectUpload(file('sound-only.mp4'), 'audio/mp4')).resolves.toMatchObject({
      ok: true,
      kind: 'AUDIO',
      mimeType: 'audio/mp4',
    });
  });

  it('refuses sound in an MP4 container declared as a video, saying it has no picture', async () => {
    await expect(inspectUpload(file('sound-only.mp4'), 'video/mp4')).resolves.toMatchObject({
      ok: false,
      code: 'INVALID_FILE_TYPE',
      message: expect.stringMatching(/no picture/),
    });
  });

  it('accepts a PDF and UTF-8 plain text as documents', async () => {
    await expect(inspectUpload(file('doc.pdf'), 'application/pdf')).resolves.toEqual({
      ok: true,
      kind: 'DOCUMENT',
      mimeType: 'application/pdf',
    });
    await expect(inspectUpload(file('notes.txt'), 'text/plain')).resolves.toEqual({ ok: true, kind: 'DOCUMENT', mimeType: 'text/plain' });
  });
});

describe('refused uploads', () => {
  it('refuses text declared as a PNG', async () => {
    await expect(inspectUpload(file('notes.txt'), 'image/png')).resolves.toMatchObject({ ok: false, code: 'INVALID_FILE_TYPE' });
  });

  it('refuses a zip or an executable declared as MP4', async () => {
    await expect(inspectUpload(file('archive.zip'), 'video/mp4')).resolves.toMatchObject({
      ok: false,
      code: 'INVALID_FILE_TYPE',
      message: expect.stringContaining('application/zip'),
    });
    await expect(inspectUpload(file('program.exe'), 'video/mp4')).resolves.toMatchObject({ ok: false, code: 'INVALID_FILE_TYPE' });
  });

  it('refuses a PNG declared as a video (a different kind)', async () => {
    await expect(inspectUpload(file('photo.png'), 'video/mp4')).resolves.toMatchObject({ ok: false, code: 'INVALID_FILE_TYPE' });
  });

  it('refuses a video declared as audio', async () => {
    await expect(inspectUpload(file('clip.mp4'), 'audio/mp4')).resolves.toMatchObject({
      ok: false,
      code: 'INVALID_FILE_TYPE',
      message: expect.stringMatching(/video/),
    });
  });

  it('refuses binary bytes declared as plain text', async () => {
    await expect(inspectUpload(file('binary.txt'), 'text/plain')).resolves.toMatchObject({ ok: false, code: 'INVALID_FILE_TYPE' });
  });

  it.each([
    ['drawing.svg', 'image/svg+xml'],
    ['drawing.svg', 'image/png'],
    ['drawing-xml.svg', 'text/plain'],
    ['photo.png', 'image/svg+xml'],
  ])('refuses SVG (%s declared as %s), saying SVG is not accepted', async (name, declared) => {
    await expect(inspectUpload(file(name), declared)).resolves.toMatchObject({
      ok: false,
      code: 'INVALID_FILE_TYPE',
      message: expect.stringMatching(/SVG images are not accepted/),
    });
  });

  it('refuses a 30000×30000 pixel bomb as too large from its header, without decoding it', async () => {
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const result = await inspectUpload(file('bomb.png'), 'image/png');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 2 ** 20);
    expect(result).toEqual({
      ok: false,
      code: 'FILE_TOO_LARGE',
      message: 'The image is 30000×30000 pixels (900 MP); the limit is 60 MP. Resize it and send it again.',
    });
  });

  it('refuses an image whose pixels sharp cannot read', async () => {
    const png = await readFile(file('photo.png'));
    await writeFile(file('broken.png'), png.subarray(0, 20));
    await expect(inspectUpload(file('broken.png'), 'image/png')).resolves.toMatchObject({ ok: false, code: 'INVALID_FILE_TYPE' });
  });

  it('refuses a video wider than the limit', async () => {
    await expect(inspectUpload(file('wide.mp4'), 'video/mp4')).resolves.toMatchObject({
      ok: false,
      code: 'FILE_TOO_LARGE',
      message: expect.stringContaining('4112×64'),
    });
  });

  it('refuses a declared type no kind accepts', async () => {
    await expect(inspectUpload(file('program.exe'), 'application/x-msdownload')).resolves.toMatchObject({
      ok: false,
      code: 'INVALID_FILE_TYPE',
    });
  });
});

describe('sniffMimeType', () => {
  it('names the type from the first chunk, SVG included, and nothing for plain text', async () => {
    const head = async (name: string) => new Uint8Array((await readFile(file(name))).subarray(0, 4100));
    await expect(sniffMimeType(await head('photo.png'))).resolves.toBe('image/png');
    await expect(sniffMimeType(await head('clip.mp4'))).resolves.toBe('video/mp4');
    await expect(sniffMimeType(await head('drawing.svg'))).resolves.toBe('image/svg+xml');
    await expect(sniffMimeType(await head('notes.txt'))).resolves.toBeUndefined();
  });
});
