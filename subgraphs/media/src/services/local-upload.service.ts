import { mkdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager, JobQueue, Logger } from '@chirpchat/kit';
import { Media } from '../entities/media.entity.js';
import { extensionFor } from '../http/mime.js';
import { HttpError } from '../http/http-error.js';
import type { ChunkRange } from '../http/content-range.js';
import { kindOf } from '../kinds.js';
import { FfmpegNotFoundError } from '../processing/index.js';
import { inspectUpload, sniffMimeType } from '../processing/inspect.js';
import { ORIGINAL_BASENAME, type LocalStore, type UploadGrant } from '../stores/local.store.js';
import { MediaStatus } from '../types/media-status.enum.js';
import { mediaProcessQueue } from './queues.js';

/** Bytes file-type needs to recognise a format. */
const SNIFF_BYTES = 4100;

export interface ChunkRequest {
  mediaId: string;
  /** The form fields that came before the file. */
  fields: Record<string, string>;
  /** Absent when the whole file comes in one request. */
  range: ChunkRange | null;
  /** Names this upload's part file, so a resumed upload continues the same one (`X-Unique-Upload-Id`). */
  uploadId: string;
  body: Readable;
}

export type ChunkResult = { done: false; bytesReceived: number } | { done: true; media: Media };

/**
 * The local store's upload endpoint: receives a file, whole or in chunks (Cloudinary's chunked
 * protocol: `Content-Range` + `X-Unique-Upload-Id`, chunks in order, a chunk sent again replaces
 * itself), streams it to disk, never holding it in memory. The first bytes are sniffed before more
 * is written; the finished file is inspected (type, pixels, duration) before it is accepted. A
 * refused upload leaves nothing: no part file, no original, no media row.
 */
export class LocalUploadService {
  constructor(
    private readonly rootEm: EntityManager,
    private readonly store: LocalStore,
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
  ) {}

  /** @throws HttpError (403, 404, 409, 410, 413, 415, 400) */
  async receive(request: ChunkRequest): Promise<ChunkResult> {
    const grant = this.store.checkUpload(request.mediaId, request.fields);
    if (grant === 'invalid') throw new HttpError(403, 'FORBIDDEN', 'This upload link is not valid: ask for a new one with createUpload.');
    if (grant === 'expired') throw new HttpError(410, 'FORBIDDEN', 'This upload link has expired: ask for a new one with createUpload.');
    const em = this.rootEm.fork();
    const media = await em.findOne(Media, request.mediaId);
    if (!media) throw new HttpError(404, 'NOT_FOUND', 'There is no upload with this id (it may have been refused): ask for a new one.');
    if (media.status !== MediaStatus.UPLOADING) throw new HttpError(409, 'CONFLICT', 'This file has already been uploaded.');
    const { range } = request;
    if (range && range.total > grant.maxBytes) throw await this.refuse(media, tooLarge(grant.maxBytes));

    const incoming = this.store.incomingDir(media.id);
    await mkdir(incoming, { recursive: true });
    const part = path.join(incoming, `${request.uploadId}.part`);
    const received = await stat(part).then(
      (s) => s.size,
      () => 0,
    );
    const start = range?.start ?? 0;
    if (start > received) {
      throw new HttpError(409, 'CONFLICT', `Chunks must come in order: ${received} bytes have arrived, this chunk starts at ${start}.`, {
        bytesReceived: received,
      });
    }
    // A chunk sent again (its first attempt broke off) replaces whatever of it had arrived.
    if (start < received) await truncate(part, start);

    const limit = grant.maxBytes - start;
    const guard = new ChunkGuard(start === 0 ? grant : null, limit);
    try {
      await pipeline(request.body, guard, createWriteStream(part, { flags: 'a' }));
    } catch (error) {
      if (error instanceof HttpError) throw await this.refuse(media, error);
      throw error;
    }
    const written = guard.bytes;
    const size = start + written;
    if (range && size !== range.end + 1) {
      await truncate(part, start);
      throw new HttpError(
        400,
        'BAD_USER_INPUT',
        `The chunk had ${written} bytes but Content-Range announced ${range.end - range.start + 1}.`,
      );
    }
    if (range && size < range.total) return { done: false, bytesReceived: size };
    return { done: true, media: await this.finish(em, media, grant, part, size) };
  }

  private async finish(em: EntityManager, media: Media, grant: UploadGrant, part: string, size: number): Promise<Media> {
    const inspected = await inspectUpload(part, grant.mimeType).catch(async (error: unknown) => {
      if (!(error instanceof FfmpegNotFoundError)) throw error;
      this.logger.error({ err: error }, 'cannot inspect video or audio');
      throw await this.refuse(
        media,
        new HttpError(503, 'INTERNAL_SERVER_ERROR', 'This server cannot take video or audio yet (ffmpeg is not installed).'),
      );
    });
    if (!inspected.ok) {
      throw await this.refuse(
        media,
        inspected.code === 'FILE_TOO_LARGE'
          ? new HttpError(413, 'FILE_TOO_LARGE', inspected.message)
          : new HttpError(415, 'INVALID_FILE_TYPE', inspected.message),
      );
    }
    const format = extensionFor(inspected.mimeType);
    const dir = this.store.mediaDir(media.id);
    await mkdir(dir, { recursive: true });
    await rename(part, path.join(dir, `${ORIGINAL_BASENAME}.${format}`));
    await rm(this.store.incomingDir(media.id), { recursive: true, force: true });
    await em.transactional(async (tx) => {
      Object.assign(media, {
        bytes: size,
        mimeType: inspected.mimeType,
        format,
        width: inspected.width ?? null,
        height: inspected.height ?? null,
        durationSeconds: inspected.durationSeconds ?? null,
        status: MediaStatus.PROCESSING,
        updatedAt: new Date(),
      });
      tx.persist(media);
      await tx.flush();
      await this.jobs.enqueueInTransaction(tx, mediaProcessQueue, { mediaId: media.id }, { id: media.id });
    });
    // After the commit, so the worker finds the job: it starts now, not at its next poll.
    this.jobs.wake(mediaProcessQueue);
    this.logger.info({ mediaId: media.id, bytes: size, mimeType: inspected.mimeType }, 'upload received');
    return media;
  }

  /** Removes every trace of a refused upload and returns the error to answer with. */
  private async refuse(media: Media, error: HttpError): Promise<HttpError> {
    await rm(this.store.incomingDir(media.id), { recursive: true, force: true });
    await rm(this.store.mediaDir(media.id), { recursive: true, force: true });
    await this.rootEm.fork().nativeDelete(Media, { id: media.id });
    this.logger.info({ mediaId: media.id, code: error.code, reason: error.message }, 'upload refused');
    return error;
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'FILE_TOO_LARGE', `The file is larger than this upload allows (${maxBytes} bytes).`, { maxBytes });
}

/**
 * Passes bytes through while counting them: refuses past the limit, and holds back the first
 * bytes of a file until its type is known, so a file that is not what it claims is refused
 * before it reaches the disk.
 */
class ChunkGuard extends Transform {
  bytes = 0;
  private head: Buffer[] = [];
  private headBytes = 0;

  /** @param sniffFor the grant whose type to check the first bytes against; null for a later chunk */
  constructor(
    private sniffFor: UploadGrant | null,
    private readonly limit: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return callback(tooLarge(this.limit));
    if (!this.sniffFor) return callback(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return callback();
    this.releaseHead(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.sniffFor) this.releaseHead(callback);
    else callback();
  }

  private releaseHead(callback: TransformCallback): void {
    const grant = this.sniffFor!;
    this.sniffFor = null;
    const head = Buffer.concat(this.head);
    this.head = [];
    sniffMimeType(head).then(
      (sniffed) => {
        // No signature (plain text) is judged on the whole file at the end.
        if (sniffed !== undefined && !sameKind(sniffed, grant.mimeType)) {
          return callback(
            new HttpError(
              415,
              'INVALID_FILE_TYPE',
              `The file is ${sniffed}, not ${grant.mimeType} as declared: send it with its real type.`,
            ),
          );
        }
        callback(null, head);
      },
      (error: unknown) => callback(error as Error),
    );
  }
}

/** MP4 and WebM hold audio or video alike: the inspection of the whole file tells them apart. */
function sameKind(sniffed: string, declared: string): boolean {
  const [a, b] = [kindOf(sniffed), kindOf(declared)];
  if (a === b) return a !== null;
  const timed = new Set(['VIDEO', 'AUDIO']);
  return a !== null && b !== null && timed.has(a) && timed.has(b);
}
