import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** The ffmpeg binary; `FFMPEG_PATH` overrides the one on PATH. */
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
/** The ffprobe binary; `FFPROBE_PATH` overrides the one on PATH. */
const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

/**
 * Demuxers an uploaded original may be read with. Without this list ffmpeg picks a demuxer by
 * content, and a "video" that is really an HLS or concat playlist would make it open other files
 * on this machine or URLs on the network.
 */
const INPUT_FORMATS = 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,mp3,wav,ogg,flac,aac,mpegts';

/**
 * Encoder threads. x264's default (1.5 × cores) oversubscribes a small worker; more than four
 * threads buy little at 1280 px and starve the services sharing the machine.
 */
export const FFMPEG_THREADS = String(Math.min(availableParallelism(), 4));

const STDERR_TAIL_BYTES = 4096;

/** ffmpeg or ffprobe is not installed: an operator's problem, never the uploader's. */
export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError';
  constructor(binary: string) {
    super(`${binary} was not found on PATH: install Debian's ffmpeg package (apt-get install ffmpeg), or set FFMPEG_PATH/FFPROBE_PATH`);
  }
}

/** ffmpeg or ffprobe exited with an error; `stderrTail` holds the end of what it said (for logs, not for users). */
export class FfmpegError extends Error {
  override name = 'FfmpegError';
  constructor(
    binary: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(`${binary} failed (exit ${exitCode ?? 'signal'}): ${stderrTail.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

type SpawnListener = (child: ChildProcess, binary: string) => void;
const spawnListeners = new Set<SpawnListener>();

/**
 * Calls `listener` with every ffmpeg/ffprobe child this module starts, so a benchmark can read
 * the child's peak memory from `/proc/<pid>/status`. Returns the function that stops it.
 */
export function onFfmpegSpawn(listener: SpawnListener): () => void {
  spawnListeners.add(listener);
  return () => spawnListeners.delete(listener);
}

export interface RunOptions {
  /** Aborting kills the child (SIGKILL) and, once it has exited, rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal | undefined;
  /** Working directory, so outputs can be named without the caller's path (ffmpeg reads `%` in some names). */
  cwd?: string | undefined;
}

/** The input argument for an uploaded file: the `file:` protocol only, so a name cannot select another protocol. */
export function inputFile(path: string): string[] {
  return ['-format_whitelist', INPUT_FORMATS, '-i', `file:${path}`];
}

function run(binary: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      signal: options.signal,
      killSignal: 'SIGKILL',
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new FfmpegNotFoundError(binary));
      else if (child.pid === undefined) reject(error);
    });
    child.on('close', (code) => {
      if (options.signal?.aborted) reject(options.signal.reason ?? new DOMException('Aborted', 'AbortError'));
      else if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new FfmpegError(binary, code, stderr));
    });
    for (const listener of spawnListeners) listener(child, binary);
  });
}

/** Runs ffmpeg with `args` (no shell), quiet except for errors, overwriting outputs. */
export async function ffmpeg(args: string[], options: RunOptions = {}): Promise<void> {
  await run(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], options);
}

/** What ffprobe found in a file; dimensions are as displayed (a phone's 90° rotation applied). */
export interface ProbeResult {
  durationSeconds: number | undefined;
  width: number | undefined;
  height: number | undefined;
  hasVideo: boolean;
  hasAudio: boolean;
  videoCodec: string | undefined;
  audioCodec: string | undefined;
  audioChannels: number | undefined;
  formatName: string | undefined;
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  channels?: number;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: Array<{ rotation?: number }>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

function rotation(stream: FfprobeStream): number {
  const fromSideData = stream.side_data_list?.find((data) => typeof data.rotation === 'number')?.rotation;
  return Math.abs(Number(fromSideData ?? stream.tags?.rotate ?? 0)) % 180;
}

function seconds(value: string | undefined): number | undefined {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * Reads a media file's container and streams. Cover art in audio files (an attached picture) does
 * not count as video; streams ffprobe cannot name a codec for do not count at all.
 */
export async function probe(path: string, options: RunOptions = {}): Promise<ProbeResult> {
  const output = await run(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...inputFile(path)], options);
  const parsed = JSON.parse(output) as FfprobeOutput;
  const streams = (parsed.streams ?? []).filter((stream) => stream.codec_name && stream.codec_name !== 'none');
  const video = streams.find((stream) => stream.codec_type === 'video' && !stream.disposition?.attached_pic);
  const audio = streams.find((stream) => stream.codec_type === 'audio');
  const rotated = video !== undefined && rotation(video) === 90;
  return {
    durationSeconds: seconds(parsed.format?.duration) ?? seconds(video?.duration) ?? seconds(audio?.duration),
    width: rotated ? video?.height : video?.width,
    height: rotated ? video?.width : video?.height,
    hasVideo: video !== undefined,
    hasAudio: audio !== undefined,
    videoCodec: video?.codec_name,
    audioCodec: audio?.codec_name,
    audioChannels: audio?.channels,
    formatName: parsed.format?.format_name,
  };
}
