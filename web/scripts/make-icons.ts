/**
 * Draws the app icons (a chat bubble on the brand colour) into public/icons as PNGs, with no
 * image library: the shapes are signed-distance tests, sampled 4×4 per pixel for smooth edges,
 * and the PNG is a handful of zlib-compressed chunks. Run `npm run icons -w web` after a
 * change here; the PNGs are committed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];

const BRAND: Rgb = [37, 99, 235];
const WHITE: Rgb = [255, 255, 255];
const outDir = path.join(import.meta.dirname, '..', 'public', 'icons');

/** Distance from (x, y) to a rounded rectangle; negative inside. */
function roundedRect(x: number, y: number, left: number, top: number, right: number, bottom: number, radius: number): number {
  const cx = (left + right) / 2;
  const cy = (top + bottom) / 2;
  const qx = Math.abs(x - cx) - ((right - left) / 2 - radius);
  const qy = Math.abs(y - cy) - ((bottom - top) / 2 - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function insideTriangle(x: number, y: number, [a, b, c]: ReadonlyArray<readonly [number, number]>): boolean {
  const side = (p: readonly [number, number], q: readonly [number, number]) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const s1 = side(a!, b!);
  const s2 = side(b!, c!);
  const s3 = side(c!, a!);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
}

/**
 * The colour at a point of the unit square, or null for transparent. `maskable` fills the whole
 * square and keeps the drawing inside the 80 % safe zone that launchers may crop to.
 */
function shade(u: number, v: number, maskable: boolean): Rgb | null {
  if (!maskable && roundedRect(u, v, 0, 0, 1, 1, 0.22) > 0) return null;
  const scale = maskable ? 0.8 : 1;
  const x = (u - 0.5) / scale + 0.5;
  const y = (v - 0.5) / scale + 0.5;
  const bubble =
    roundedRect(x, y, 0.2, 0.24, 0.8, 0.66, 0.13) <= 0 ||
    insideTriangle(x, y, [
      [0.3, 0.6],
      [0.27, 0.8],
      [0.47, 0.64],
    ]);
  if (!bubble) return BRAND;
  const dot = [0.36, 0.5, 0.64].some((cx) => Math.hypot(x - cx, y - 0.45) <= 0.048);
  return dot ? BRAND : WHITE;
}

function render(size: number, maskable: boolean): Buffer {
  const samples = 4;
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // leading 0: PNG filter type "none"
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = shade((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, maskable);
          if (!colour) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          a += 1;
        }
      }
      const offset = 1 + px * 4;
      if (a > 0) {
        row[offset] = Math.round(r / a);
        row[offset + 1] = Math.round(g / a);
        row[offset + 2] = Math.round(b / a);
      }
      row[offset + 3] = Math.round((a / samples ** 2) * 255);
    }
    rows.push(row);
  }
  return png(size, Buffer.concat(rows));
}

function png(size: number, scanlines: Buffer): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const icons = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'maskable-512.png', size: 512, maskable: true },
  { file: 'apple-touch-icon-180.png', size: 180, maskable: true },
];
for (const icon of icons) {
  writeFileSync(path.join(outDir, icon.file), render(icon.size, icon.maskable));
  console.log(`wrote public/icons/${icon.file}`);
}
