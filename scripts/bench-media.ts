// Times media processing on realistic originals (a 12 MP photo, 30 s of 1080p video) in the
// product as `npm start` runs it (createProduct, the local store): each file is uploaded through
// the router as the web client does, and timed from the end of its upload to its
// `mediaProcessed` event (the processing job, sharp or ffmpeg, the store's signed notification).
// Measures peak memory: this Node process (the whole product; sharp runs in it) and the ffmpeg
// children. Prints the figures and writes them to bench-results/media-processing.json.
import { Buffer } from 'node:buffer';
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import sharp from 'sharp';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { createLogger, generateSigningKeys, type Bus } from '@chirpchat/kit';
import { generateVapidKeys } from '@chirpchat/notifications';
import { createProduct } from '@chirpchat/router';
import { onFfmpegSpawn } from '@chirpchat/media/processing';
import { benchApi } from './bench-api.ts';
import { benchDatabase } from './bench-database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exec = promisify(execFile);
const MB = 1024 * 1024;
const IMAGE_RUNS = 3;
const POLL_MS = 20;

/** kB figure of a `/proc/<pid>/status` line such as `VmHWM:  123456 kB`, in bytes; undefined once the process is gone. */
function statusBytes(pid: number | 'self', field: string): number | undefined {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Linux resets VmHWM when 5 is written to clear_refs, so each measurement starts from the current RSS. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

interface Watched {
  process: ChildProcess;
  binary: string;
  peak: number;
}

/**
 * Runs `work` while sampling this process's RSS and every ffmpeg child's VmHWM (its own kernel-kept
 * peak) every 20 ms. A child's last 20 ms can escape the sampling, so its figure is a lower bound.
 */
async function measure<T>(work: () => Promise<T>) {
  const rssBefore = process.memoryUsage().rss;
  const peakReset = resetPeak();
  let polledRss = rssBefore;
  const children: Watched[] = [];
  const sample = () => {
    polledRss = Math.max(polledRss, process.memoryUsage().rss);
    for (const child of children) {
      if (child.process.exitCode !== null || child.process.signalCode !== null || child.process.pid === undefined) continue;
      child.peak = Math.max(child.peak, statusBytes(child.process.pid, 'VmHWM') ?? 0);
    }
  };
  const stop = onFfmpegSpawn((child, binary) => children.push({ process: child, binary, peak: 0 }));
  const timer = setInterval(sample, POLL_MS);
  try {
    const result = await work();
    return {
      result,
      rssBefore,
      nodePolledRss: polledRss,
      nodeVmHWM: peakReset ? statusBytes('self', 'VmHWM') : undefined,
      ffmpegPeak: Math.max(0, ...children.filter((c) => c.binary.endsWith('ffmpeg')).map((c) => c.peak)),
      children: children.length,
    };
  } finally {
    clearInterval(timer);
    stop();
  }
}

async function makeJpeg(file: string): Promise<void> {
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="3000">
      <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2d6a4f"/><stop offset="1" stop-color="#f4a261"/></linearGradient></defs>
      <rect width="4000" height="3000" fill="url(#g)"/>
      <circle cx="1400" cy="1300" r="700" fill="#e76f51" opacity="0.8"/>
      <rect x="2400" y="600" width="1100" height="1800" fill="#264653" opacity="0.7"/>
    </svg>`,
  );
  const noise = await sharp({
    create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  await sharp(gradient)
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toFile(file);
}

async function makeVideo(file: string): Promise<void> {
  await exec('ffmpeg', [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=30'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', file],
  ]);
}

const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / MB).toFixed(0)} MB`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Processed {
  id: string;
  status: string;
  error: string | null;
  variants: Record<string, string | null>;
}

const dir = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-media-'));
const database = await benchDatabase();
// Resolved when the next subscription reaches the bus: the router's mediaProcessed is then live.
let onBusSubscribe: (() => void) | undefined;
const product = await createProduct({
  databaseUrl: database.url,
  keys: generateSigningKeys(),
  routerSecret: randomBytes(24).toString('hex'),
  vapid: { ...generateVapidKeys(), subject: 'mailto:bench@example.com' },
  dataDir: path.join(dir, 'data'),
  mediaSecret: randomBytes(32).toString('hex'),
  // Raw capacity: a benchmark's few users send far faster than the per-user limits allow.
  rateLimits: 'off',
  logger: createLogger({ level: 'warn' }),
  production: true,
  host: '127.0.0.1',
  wrapBus: (bus): Bus => ({
    kind: bus.kind,
    publish: (topic, payload) => bus.publish(topic, payload),
    close: () => bus.close(),
    health: () => bus.health(),
    async subscribe<T>(topic: string) {
      const channel = await bus.subscribe<T>(topic);
      onBusSubscribe?.();
      return channel;
    },
  }),
});
const origin = new URL(product.url).origin;
const pool = new pg.Pool({ connectionString: database.url, max: 1 });

const { gql, register } = benchApi(product.url);

try {
  const jpeg = path.join(dir, 'photo.jpg');
  const video = path.join(dir, 'video.mp4');
  console.log('generating a 4000×3000 JPEG and a 30 s 1080p H.264/AAC MP4 (not timed)…');
  await makeJpeg(jpeg);
  await makeVideo(video);

  const { token } = await register('bench');

  // The uploader's own files (no conversation), as the web client listens for them.
  const client = createClient({
    url: product.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const arrivals = new Map<string, (media: Processed) => void>();
  const live = new Promise<void>((resolve) => (onBusSubscribe = resolve));
  const stopListening = client.subscribe<{ mediaProcessed: Processed }>(
    {
      query: `subscription { mediaProcessed { id status error variants { thumbnail preview poster animatedPreview mp4 hls dash audio } } }`,
    },
    {
      next: ({ data, errors }) => {
        if (errors) throw new Error(JSON.stringify(errors));
        arrivals.get(data!.mediaProcessed.id)?.(data!.mediaProcessed);
      },
      error: (error) => console.error('mediaProcessed', error),
      complete: () => undefined,
    },
  );
  await live;
  onBusSubscribe = undefined;

  /** Uploads `file` through the router, then waits for it to be processed; times both. */
  const uploadAndProcess = async (file: string, mimeType: string) => {
    const bytes = await readFile(file);
    const { createUpload: ticket } = await gql<{
      createUpload: { media: { id: string }; uploadUrl: string; fields: Record<string, string> };
    }>(
      `mutation($i: CreateUploadInput!) { createUpload(input: $i) { media { id } uploadUrl fields } }`,
      { i: { filename: path.basename(file), mimeType, bytes: bytes.length } },
      token,
    );
    const processed = new Promise<Processed>((resolve) => arrivals.set(ticket.media.id, resolve));
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
    form.append('file', new Blob([bytes]), path.basename(file));
    const started = performance.now();
    const answer = await fetch(new URL(ticket.uploadUrl, origin), { method: 'POST', body: form });
    if (!answer.ok) throw new Error(`upload failed: ${answer.status} ${await answer.text()}`);
    const uploaded = performance.now();
    const media = await processed;
    const done = performance.now();
    if (media.status !== 'READY') throw new Error(`${path.basename(file)} was not processed: ${media.status} ${media.error}`);
    return { media, uploadMs: uploaded - started, processingMs: done - uploaded, queueWaitMs: await queueWaitMs(media.id) };
  };

  /** How long the file's processing job waited for a worker: pg-boss's created_on → started_on, on the database's clock. */
  const queueWaitMs = async (mediaId: string) => {
    const { rows } = await pool.query<{ ms: number }>(
      `select extract(epoch from started_on - created_on) * 1000 as ms from pgboss.job where name = 'media-process' and id = $1`,
      [mediaId],
    );
    return Math.round(Number(rows[0]?.ms ?? NaN));
  };

  /** Bytes of each variant as stored, from the file its URL names (`/media/files/<id>/<file>?…`). */
  const variantBytes = async (media: Processed) => {
    const sizes: Record<string, number> = {};
    for (const [name, url] of Object.entries(media.variants)) {
      if (!url) continue;
      const file = decodeURIComponent(new URL(url, origin).pathname.replace(/^\/media\//, ''));
      sizes[name] = (await stat(path.join(dir, 'data', 'media', file))).size;
    }
    return sizes;
  };

  const imageRuns = [];
  for (let run = 0; run < IMAGE_RUNS; run++) imageRuns.push(await measure(() => uploadAndProcess(jpeg, 'image/jpeg')));
  const videoRun = await measure(() => uploadAndProcess(video, 'video/mp4'));
  stopListening();
  await client.dispose();

  // Baselines from the same run: only decoding the same inputs, the least any processing must spend.
  const imageDecodeRuns: number[] = [];
  for (let run = 0; run < IMAGE_RUNS; run++) {
    const started = performance.now();
    await sharp(jpeg).raw().toBuffer();
    imageDecodeRuns.push(performance.now() - started);
  }
  const decodeStarted = performance.now();
  await exec('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-']);
  const videoDecodeMs = performance.now() - decodeStarted;

  const ffmpegVersion = (await exec('ffmpeg', ['-version'])).stdout.split('\n')[0];
  const imageNodeVmHWM = imageRuns.flatMap((r) => (r.nodeVmHWM === undefined ? [] : [r.nodeVmHWM]));
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'}`,
    ffmpeg: ffmpegVersion,
    timing:
      'processing: from the end of the upload (POST /media/upload/<id> through the router answered) to the mediaProcessed event on a graphql-ws ' +
      'subscription through the router, of which queueWaitMs the job waited for a worker (pg-boss created_on → started_on); ' +
      'upload: that POST of the whole file over loopback',
    memoryMethod:
      'node (this process runs the whole product, sharp included): max of process.memoryUsage().rss polled every 20 ms, and /proc/self/status VmHWM ' +
      'after resetting it (clear_refs 5) before each run; the product idle before the run is rssBeforeMB; ' +
      'ffmpeg: max VmHWM read from /proc/<pid>/status of each spawned child every 20 ms (a lower bound: its last 20 ms may be missed)',
    image: {
      input: '4000×3000 JPEG (12 MP)',
      runsMs: imageRuns.map((r) => Math.round(r.result.processingMs)),
      medianMs: Math.round(median(imageRuns.map((r) => r.result.processingMs))),
      queueWaitMs: imageRuns.map((r) => r.result.queueWaitMs),
      uploadMedianMs: Math.round(median(imageRuns.map((r) => r.result.uploadMs))),
      baselineDecodeMedianMs: Math.round(median(imageDecodeRuns)),
      rssBeforeMB: Math.round(imageRuns[0]!.rssBefore / MB),
      nodePeakRssPolledMB: Math.round(Math.max(...imageRuns.map((r) => r.nodePolledRss)) / MB),
      nodeVmHWMMB: imageNodeVmHWM.length === imageRuns.length ? Math.round(Math.max(...imageNodeVmHWM) / MB) : null,
      variantBytes: await variantBytes(imageRuns[0]!.result.media),
    },
    video: {
      input: '30 s 1920×1080 H.264/AAC MP4',
      ms: Math.round(videoRun.result.processingMs),
      queueWaitMs: videoRun.result.queueWaitMs,
      uploadMs: Math.round(videoRun.result.uploadMs),
      baselineDecodeMs: Math.round(videoDecodeMs),
      ffmpegChildren: videoRun.children,
      ffmpegPeakVmHWMMB: Math.round(videoRun.ffmpegPeak / MB),
      rssBeforeMB: Math.round(videoRun.rssBefore / MB),
      nodePeakRssPolledMB: Math.round(videoRun.nodePolledRss / MB),
      nodeVmHWMMB: videoRun.nodeVmHWM ? Math.round(videoRun.nodeVmHWM / MB) : null,
      variantBytes: await variantBytes(videoRun.result.media),
    },
  };

  console.table({
    '12 MP JPEG → thumbnail + preview': {
      time: `median ${results.image.medianMs} ms (${results.image.runsMs.join(', ')}; in the queue ${results.image.queueWaitMs.join(', ')}); upload ${results.image.uploadMedianMs} ms`,
      'node peak RSS (polled / VmHWM)': `${results.image.nodePeakRssPolledMB} / ${results.image.nodeVmHWMMB ?? 'n/a'} MB (idle ${results.image.rssBeforeMB} MB)`,
      'ffmpeg peak RSS': '—',
    },
    'baseline: decode the 12 MP JPEG only (sharp)': { time: `median ${results.image.baselineDecodeMedianMs} ms` },
    '30 s 1080p MP4 → mp4, hls, poster, thumbnail, preview': {
      time: `${results.video.ms} ms (in the queue ${results.video.queueWaitMs}); upload ${results.video.uploadMs} ms`,
      'node peak RSS (polled / VmHWM)': `${results.video.nodePeakRssPolledMB} / ${results.video.nodeVmHWMMB ?? 'n/a'} MB (idle ${results.video.rssBeforeMB} MB)`,
      'ffmpeg peak RSS': mb(videoRun.ffmpegPeak),
    },
    'baseline: decode the 30 s video only (ffmpeg -f null)': { time: `${results.video.baselineDecodeMs} ms` },
  });
  console.log(`timing: ${results.timing}`);
  console.log(`memory: ${results.memoryMethod}`);

  await mkdir(path.join(root, 'bench-results'), { recursive: true });
  const out = path.join(root, 'bench-results', 'media-processing.json');
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.relative(root, out)}`);
} finally {
  await pool.end();
  await product.close();
  await database.drop();
  await rm(dir, { recursive: true, force: true });
}
