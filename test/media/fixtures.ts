import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

const exec = promisify(execFile);

/** A fresh temporary directory and the function that removes it. */
export async function makeTempDir(prefix = 'chirpchat-media-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

async function ffmpeg(args: string[]): Promise<void> {
  await exec('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args]);
}

/** A PNG with drawn shapes (not a flat colour), so crops and resizes have something to keep. */
export async function makePng(file: string, width: number, height: number): Promise<void> {
  const overlay = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <circle cx="${width * 0.3}" cy="${height * 0.4}" r="${Math.min(width, height) * 0.25}" fill="#e4572e"/>
      <rect x="${width * 0.55}" y="${height * 0.2}" width="${width * 0.3}" height="${height * 0.5}" fill="#29335c"/>
    </svg>`,
  );
  await sharp({ create: { width, height, channels: 3, background: '#f3a712' } })
    .composite([{ input: overlay }])
    .png()
    .toFile(file);
}

/** An H.264 MP4 of ffmpeg's test pattern, with a 440 Hz AAC tone unless `audio: false`. */
export async function makeMp4(file: string, seconds: number, width: number, height: number, { audio = true } = {}): Promise<void> {
  const sound = audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', '-b:a', '96k'] : [];
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=25:duration=${seconds}`,
    ...sound,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-shortest',
    file,
  ]);
}

/** A sine tone; the format follows the extension (`.wav`, `.mp3`, `.m4a`). */
export async function makeAudio(file: string, seconds: number): Promise<void> {
  await ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, file]);
}

/** A minimal one-page PDF (enough for type sniffing; not meant to be rendered). */
export async function makePdf(file: string): Promise<void> {
  await writeFile(
    file,
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n' +
      '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  );
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A PNG whose header claims `width`×`height` grey pixels while the file holds only one row: a few
 * hundred bytes that would need gigabytes if anything tried to decode it.
 */
export async function makePixelBomb(file: string, width: number, height: number): Promise<void> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const firstRow = deflateSync(Buffer.alloc(width + 1));
  await writeFile(
    file,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', header),
      pngChunk('IDAT', firstRow),
      pngChunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/** What ffprobe says about a file, independently of the code under test. */
export interface Probed {
  format: { format_name: string; duration?: string };
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; duration?: string }>;
}

export async function ffprobe(file: string): Promise<Probed> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout) as Probed;
}

/** Decodes every frame of `file` (following an HLS playlist's segments) and fails on any error. */
export async function decodeFully(file: string): Promise<void> {
  await exec('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
}
