import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Busboy from 'busboy';
import express, { type Request, type Response } from 'express';
import type { EntityManager, Logger } from '@chirpchat/kit';
import { Media } from '../entities/media.entity.js';
import type { LocalUploadService } from '../services/local-upload.service.js';
import type { StorageWebhookService } from '../services/storage-webhook.service.js';
import type { LocalStore } from '../stores/local.store.js';
import { MediaKind } from '../types/media-kind.enum.js';
import { parseContentRange } from './content-range.js';
import { HttpError, sendError } from './http-error.js';
import { typeForFile } from './mime.js';

/** The path Cloudinary (and the local worker, in spirit) notify; the router forwards it from its origin. */
export const WEBHOOK_PATH = '/webhooks/cloudinary/media-processed';

export interface MediaRoutesOptions {
  webhook: StorageWebhookService;
  /** The local store's endpoints; absent with Cloudinary, whose own URLs take uploads and serve files. */
  local?: { store: LocalStore; uploads: LocalUploadService; rootEm: EntityManager };
  logger: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A file inside a media directory: `thumbnail.jpg`, `hls/segment-003.ts`; nothing that climbs out. */
const FILE = /^(?:[a-z0-9-]+\/)?[a-z0-9][a-z0-9._-]*$/i;

/** The media subgraph's plain HTTP paths: the webhook, and with the local store uploads and signed files. */
export function mediaRoutes(options: MediaRoutesOptions) {
  return (router: express.Router) => {
    router.post(WEBHOOK_PATH, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const outcome = await options.webhook.handle(rawBody, req.get('x-cld-timestamp'), req.get('x-cld-signature'));
      res.status(outcome.status).json({ result: outcome.result });
    });
    const local = options.local;
    if (!local) return;
    router.post('/media/upload/:id', (req, res) => void upload(local.uploads, req, res, options.logger));
    router.get('/media/files/:id/*file', (req, res) => void serveFile(local, req, res, options.logger));
  };
}

async function upload(uploads: LocalUploadService, req: Request, res: Response, logger: Logger): Promise<void> {
  try {
    const mediaId = String(req.params.id);
    if (!UUID.test(mediaId)) throw new HttpError(404, 'NOT_FOUND', 'There is no upload with this id.');
    const range = parseContentRange(req.get('content-range'));
    if (range === 'invalid') throw new HttpError(400, 'BAD_USER_INPUT', 'Content-Range must read "bytes <start>-<end>/<total>".');
    const uploadId = req.get('x-unique-upload-id') ?? 'whole';
    if (!/^[\w-]{1,64}$/.test(uploadId))
      throw new HttpError(400, 'BAD_USER_INPUT', 'X-Unique-Upload-Id must be 1 to 64 letters, digits, - or _.');
    const result = await new Promise<Awaited<ReturnType<LocalUploadService['receive']>>>((resolve, reject) => {
      let busboy: Busboy.Busboy;
      try {
        busboy = Busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096, parts: 22 } });
      } catch {
        throw new HttpError(400, 'BAD_USER_INPUT', 'Send the upload as multipart/form-data: the ticket’s fields, then the file as "file".');
      }
      const fields: Record<string, string> = {};
      let sawFile = false;
      busboy.on('field', (name, value) => (fields[name] = value));
      busboy.on('file', (name, stream) => {
        if (name !== 'file' || sawFile) return stream.resume();
        sawFile = true;
        uploads.receive({ mediaId, fields, range, uploadId, body: stream }).then(resolve, (error: unknown) => {
          stream.resume();
          reject(error);
        });
      });
      busboy.on('error', reject);
      busboy.on('close', () => {
        if (!sawFile) reject(new HttpError(400, 'BAD_USER_INPUT', 'The form had no "file" part.'));
      });
      req.pipe(busboy);
    });
    if (!result.done) {
      res.json({ done: false, bytes_received: result.bytesReceived });
      return;
    }
    const { media } = result;
    res.json({ done: true, public_id: media.publicId, bytes: media.bytes, format: media.format, width: media.width, height: media.height });
  } catch (error) {
    if (error instanceof HttpError) {
      // Read what is left of the body, so the client gets the answer instead of a reset connection.
      req.resume();
      sendError(res, error);
      return;
    }
    logger.error({ err: error }, 'upload failed');
    req.resume();
    sendError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'The upload failed on our side: try again.'));
  }
}

async function serveFile(local: NonNullable<MediaRoutesOptions['local']>, req: Request, res: Response, logger: Logger): Promise<void> {
  try {
    const mediaId = String(req.params.id);
    const file = ([] as string[]).concat(req.params.file as string | string[]).join('/');
    if (!UUID.test(mediaId) || !FILE.test(file) || file.includes('..')) throw new HttpError(404, 'NOT_FOUND', 'No such file.');
    const check = local.store.checkFile(mediaId, file, query(req, 'expires'), query(req, 'signature'));
    if (check === 'invalid') throw new HttpError(403, 'FORBIDDEN', 'This link is not valid.');
    if (check === 'expired') throw new HttpError(410, 'FORBIDDEN', 'This link has expired: ask for the file again to get a fresh one.');
    const expires = Number(query(req, 'expires'));
    const directory = local.store.mediaDir(mediaId);
    const headers: Record<string, string> = {
      'cache-control': `private, max-age=${Math.max(0, expires - Math.floor(local.store.now() / 1000))}`,
      'x-content-type-options': 'nosniff',
      // A file is never a page of ours: no scripts, no plugins, whatever it contains.
      'content-security-policy': "default-src 'none'; media-src 'self'; img-src 'self'; sandbox",
      'cross-origin-resource-policy': 'same-origin',
    };
    if (file.endsWith('.m3u8')) {
      const manifest = await readFile(path.join(directory, file), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (manifest === null) throw new HttpError(404, 'NOT_FOUND', 'No such file.');
      res.set({ ...headers, 'content-type': 'application/vnd.apple.mpegurl' });
      res.send(
        signManifest(manifest, path.posix.dirname(file), (segment) => local.store.fileUrl(mediaId, segment, new Date(expires * 1000))),
      );
      return;
    }
    if (file.startsWith('original.')) {
      const media = await local.rootEm.fork().findOne(Media, mediaId);
      if (!media) throw new HttpError(404, 'NOT_FOUND', 'No such file.');
      if (media.kind === MediaKind.DOCUMENT) {
        headers['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(media.filename ?? file)}`;
      }
    }
    // Relative to the file's own directory as the root: the sender then applies its dot-file rule only
    // to `file` (which FILE keeps free of dots at the start of a name), not to where DATA_DIR is —
    // the default `.data` is itself a dot-folder.
    res.sendFile(
      file,
      { root: directory, headers: { ...headers, 'content-type': typeForFile(file) }, cacheControl: false, dotfiles: 'deny' },
      (error) => {
        if (!error) return;
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          if (!res.headersSent) sendError(res, new HttpError(404, 'NOT_FOUND', 'No such file.'));
          return;
        }
        // A client that went away mid-file is no fault of ours.
        if (code === 'ECONNABORTED' || res.destroyed) return;
        logger.error({ err: error, mediaId, file }, 'serving a media file failed');
        if (!res.headersSent) sendError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'The file could not be read.'));
      },
    );
  } catch (error) {
    if (error instanceof HttpError) return sendError(res, error);
    logger.error({ err: error }, 'serving a media file failed');
    sendError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'The file could not be read.'));
  }
}

/** HLS: each segment line of a manifest becomes a URL signed like the manifest's own. */
export function signManifest(manifest: string, dir: string, sign: (file: string) => string): string {
  return manifest
    .split('\n')
    .map((line) => {
      const entry = line.trim();
      if (entry === '' || entry.startsWith('#') || !FILE.test(entry)) return line;
      return sign(dir === '.' ? entry : `${dir}/${entry}`);
    })
    .join('\n');
}

function query(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}
