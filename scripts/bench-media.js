#!/usr/bin/env node
// Times the local store's media processing on realistic originals (a 12 MP photo, 30 s of 1080p
// video) and measures peak memory: this Node process (sharp runs in it) and the ffmpeg children.
// Prints the figures and writes them to bench-results/media-processing.json.
import { Buffer } from 'node:buffer';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { clearInterval, setInterval } from 'node:timers';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { onFfmpegSpawn, processMedia } from '@chirpchat/media/processing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exec = promisify(execFile);
const MB = 1024 * 1024;
const IMAGE_RUNS = 3;
const POLL_MS = 20;

/** kB figure of a `/proc/<pid>/status` line such as `VmHWM:  123456 kB`, in bytes; undefined once the process is gone. */
function statusBytes(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Linux resets VmHWM when 5 is written to clear_refs, so each measurement starts from the current RSS. */
function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `work` while sampling this process's RSS and every ffmpeg child's VmHWM (its own kernel-kept
 * peak) every 20 ms. A child's last 20 ms can escape the sampling, so its figure is a lower bound.
 */
async function measure(work) {
  const peakReset = resetPeak();
  let polledRss = process.memoryUsage().rss;
  const children = [];
  const sample = () => {
    polledRss = Math.max(polledRss, process.memoryUsage().rss);
    for (const child of children) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) continue;
      child.peak = Math.max(child.peak, statusBytes(child.process.pid, 'VmHWM') ?? 0);
    }
  };
  const stop = onFfmpegSpawn((child, binary) => children.push({ process: child, binary, peak: 0 }));
  const timer = setInterval(sample, POLL_MS);
  const started = performance.now();
  try {
    const result = await work();
    return {
      result,
      ms: performance.now() - started,
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

async function makeJpeg(file) {
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="3000">
      <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2d6a4f"/><stop offset="1" stop-color="#f4a261"/></linearGradient></defs>
      <rect width="4000" height="3000" fill="url(#g)"/>
      <circle cx="1400" cy="1300" r="700" fill="#e76f51" opacity="0.8"/>
      <rect x="2400" y="600" width="1100" height="1800" fill="#264653" opacity="0.7"/>
    </svg>`,
  );
  const noise = await sharp({ create: { width: 4000, height: 3000, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  await sharp(gradient)
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toFile(file);
}

async function makeVideo(file) {
  await exec('ffmpeg', [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=30'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', file],
  ]);
}

const mb = (bytes) => (bytes === undefined ? 'n/a' : `${(bytes / MB).toFixed(0)} MB`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dir = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-media-'));
try {
  const jpeg = path.join(dir, 'photo.jpg');
  const video = path.join(dir, 'video.mp4');
  console.log('generating a 4000×3000 JPEG and a 30 s 1080p H.264/AAC MP4 (not timed)…');
  await makeJpeg(jpeg);
  await makeVideo(video);

  const imageRuns = [];
  for (let run = 0; run < IMAGE_RUNS; run++) {
    imageRuns.push(await measure(() => processMedia('IMAGE', jpeg, path.join(dir, `image-${run}`))));
  }
  const videoRun = await measure(() => processMedia('VIDEO', video, path.join(dir, 'video-out')));
  // Baselines from the same run: only decoding the same inputs, the least any processing must spend.
  const imageDecodeRuns = [];
  for (let run = 0; run < IMAGE_RUNS; run++) {
    const started = performance.now();
    await sharp(jpeg).raw().toBuffer();
    imageDecodeRuns.push(performance.now() - started);
  }
  const decodeStarted = performance.now();
  await exec('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-']);
  const videoDecodeMs = performance.now() - decodeStarted;

  const ffmpegVersion = (await exec('ffmpeg', ['-version'])).stdout.split('\n')[0];
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'}`,
    ffmpeg: ffmpegVersion,
    memoryMethod:
      'node: max of process.memoryUsage().rss polled every 20 ms, and /proc/self/status VmHWM after resetting it (clear_refs 5) before each run; ' +
      'ffmpeg: max VmHWM read from /proc/<pid>/status of each spawned child every 20 ms (a lower bound: its last 20 ms may be missed)',
    image: {
      input: '4000×3000 JPEG (12 MP)',
      runsMs: imageRuns.map((r) => Math.round(r.ms)),
      medianMs: Math.round(median(imageRuns.map((r) => r.ms))),
      baselineDecodeMedianMs: Math.round(median(imageDecodeRuns)),
      nodePeakRssPolledMB: Math.round(Math.max(...imageRuns.map((r) => r.nodePolledRss)) / MB),
      nodeVmHWMMB: imageRuns.every((r) => r.nodeVmHWM) ? Math.round(Math.max(...imageRuns.map((r) => r.nodeVmHWM)) / MB) : null,
      variants: Object.fromEntries(
        Object.entries(imageRuns[0].result.variants).map(([name, v]) => [name, { bytes: v.bytes, width: v.width, height: v.height }]),
      ),
    },
    video: {
      input: '30 s 1920×1080 H.264/AAC MP4',
      ms: Math.round(videoRun.ms),
      baselineDecodeMs: Math.round(videoDecodeMs),
      ffmpegChildren: videoRun.children,
      ffmpegPeakVmHWMMB: Math.round(videoRun.ffmpegPeak / MB),
      nodePeakRssPolledMB: Math.round(videoRun.nodePolledRss / MB),
      nodeVmHWMMB: videoRun.nodeVmHWM ? Math.round(videoRun.nodeVmHWM / MB) : null,
      variants: Object.fromEntries(
        Object.entries(videoRun.result.variants).map(([name, v]) => [name, { bytes: v.bytes, width: v.width, height: v.height }]),
      ),
    },
  };

  console.table({
    '12 MP JPEG → thumbnail + preview': {
      time: `median ${results.image.medianMs} ms (${results.image.runsMs.join(', ')})`,
      'node peak RSS (polled / VmHWM)': `${results.image.nodePeakRssPolledMB} / ${results.image.nodeVmHWMMB ?? 'n/a'} MB`,
      'ffmpeg peak RSS': '—',
    },
    'baseline: decode the 12 MP JPEG only (sharp)': { time: `median ${results.image.baselineDecodeMedianMs} ms` },
    '30 s 1080p MP4 → mp4, hls, poster, thumbnail, preview': {
      time: `${results.video.ms} ms`,
      'node peak RSS (polled / VmHWM)': `${results.video.nodePeakRssPolledMB} / ${results.video.nodeVmHWMMB ?? 'n/a'} MB`,
      'ffmpeg peak RSS': mb(videoRun.ffmpegPeak),
    },
    'baseline: decode the 30 s video only (ffmpeg -f null)': { time: `${results.video.baselineDecodeMs} ms` },
  });
  console.log(`memory: ${results.memoryMethod}`);

  await mkdir(path.join(root, 'bench-results'), { recursive: true });
  const out = path.join(root, 'bench-results', 'media-processing.json');
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.relative(root, out)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
