/** Where a file goes: the upload ticket's target and the form fields that authorize it. */
export interface UploadTarget {
  /** Cloudinary's upload API, or the local store's `/media/upload/<id>` on our own origin. */
  uploadUrl: string;
  fields: Record<string, string>;
}

/** The expected ways an upload ends without the file: shown to the user, never thrown. */
export type UploadError = 'FILE_TOO_LARGE' | 'INVALID_FILE_TYPE' | 'NETWORK_ERROR' | 'SERVER_ERROR' | 'CANCELLED';

export type UploadResult =
  | {
      ok: true;
      /** The store's answer to the last request (Cloudinary's upload JSON, or the local store's). */ response: Record<string, unknown>;
    }
  | { ok: false; error: UploadError; message: string; /** With FILE_TOO_LARGE, when the store said its limit. */ maxBytes?: number };

export interface UploadOptions {
  /** Called with the fraction sent so far, 0–1, never going back. */
  onProgress?(fraction: number): void;
  /** Aborting ends the upload with CANCELLED. */
  signal?: AbortSignal;
  /**
   * Files larger than this go in chunks of this size (Cloudinary's chunked upload protocol).
   * @default 6 MB
   */
  chunkBytes?: number;
  /**
   * How long to wait before each new try of a chunk the network dropped; one more try per entry.
   * @default [1000, 2000, 4000]
   */
  retryDelaysMs?: readonly number[];
  /** The file name the form sends; defaults to the File's own name. */
  filename?: string;
}

export const CHUNK_BYTES = 6 * 1024 * 1024;
const RETRY_DELAYS_MS = [1000, 2000, 4000] as const;
/** Gateways in front of the store answer these while it is restarting: worth another try, like a dropped connection. */
const TRANSIENT_STATUSES = new Set([0, 502, 503, 504]);

/** What one POST came back with. */
type Answer = { kind: 'response'; status: number; body: Record<string, unknown> | null } | { kind: 'network' } | { kind: 'aborted' };

/**
 * Sends `file` to an upload ticket's target as `multipart/form-data`, the ticket's fields first and
 * the file as `file`. A file up to `chunkBytes` goes in one POST; a larger one in chunks, in order,
 * each with `X-Unique-Upload-Id` (one id per file) and `Content-Range: bytes <start>-<end>/<total>`
 * (end inclusive) — Cloudinary's chunked protocol, which the local store speaks too. A chunk the
 * network drops is sent again (same range) after 1, 2 and 4 s; the local store's 409 names how
 * many bytes it holds, and the upload resumes from there. XMLHttpRequest rather than fetch, for
 * upload progress events.
 */
export async function uploadFile(target: UploadTarget, file: Blob, options: UploadOptions = {}): Promise<UploadResult> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  const filename = options.filename ?? (file instanceof File ? file.name : 'file');
  const total = file.size;
  const chunked = total > chunkBytes;
  const uploadId = chunked ? randomUploadId() : null;
  let sent = 0;
  const report = (fraction: number) => {
    const clamped = Math.min(1, Math.max(sent, fraction));
    if (clamped > sent) {
      sent = clamped;
      options.onProgress?.(clamped);
    }
  };

  let start = 0;
  let failedTries = 0;
  for (;;) {
    if (options.signal?.aborted) return cancelled();
    const end = chunked ? Math.min(start + chunkBytes, total) - 1 : total - 1;
    const headers: Record<string, string> = uploadId
      ? { 'X-Unique-Upload-Id': uploadId, 'Content-Range': `bytes ${start}-${end}/${total}` }
      : {};
    const chunk = chunked ? file.slice(start, end + 1) : file;
    const answer = await post(target, chunk, filename, headers, options.signal, (loaded) => total > 0 && report((start + loaded) / total));

    if (answer.kind === 'aborted') return cancelled();
    if (answer.kind === 'network' || TRANSIENT_STATUSES.has(answer.status)) {
      const delay = delays[failedTries];
      if (delay === undefined) {
        return answer.kind === 'network'
          ? { ok: false, error: 'NETWORK_ERROR', message: 'The connection dropped during the upload.' }
          : failure(answer.status, answer.body);
      }
      failedTries += 1;
      if (!(await wait(delay, options.signal))) return cancelled();
      continue; // the same range again
    }

    const { status, body } = answer;
    const last = end + 1 >= total;
    if (status >= 200 && status < 300) {
      failedTries = 0;
      // Cloudinary's last answer is its upload JSON (no `done`); the local store says `done: true`.
      if (last || body?.done === true) {
        report(1);
        return { ok: true, response: body ?? {} };
      }
      start = end + 1;
      continue;
    }
    if (status === 409) {
      const received = errorOf(body)?.bytesReceived;
      if (typeof received === 'number' && received >= 0 && received < total && received <= start) {
        // The store holds less than we thought (a chunk broke off after it answered): resume from there.
        start = received;
        failedTries += 1;
        if (failedTries > delays.length) return failure(status, body);
        continue;
      }
      // A retried last chunk whose first try did arrive: the file is complete.
      if (last && failedTries > 0) {
        report(1);
        return { ok: true, response: body ?? {} };
      }
    }
    return failure(status, body);
  }
}

function cancelled(): UploadResult {
  return { ok: false, error: 'CANCELLED', message: 'The upload was cancelled.' };
}

function errorOf(body: Record<string, unknown> | null): Record<string, unknown> | null {
  const error = body?.error;
  return error && typeof error === 'object' ? (error as Record<string, unknown>) : null;
}

/** An error answer as an UploadError: the store's code (or the HTTP status) picks it; anything unknown is SERVER_ERROR. */
function failure(status: number, body: Record<string, unknown> | null): UploadResult {
  const error = errorOf(body);
  const code = typeof error?.code === 'string' ? error.code : null;
  const message = typeof error?.message === 'string' ? error.message : `The upload failed (HTTP ${status}).`;
  if (code === 'FILE_TOO_LARGE' || status === 413) {
    const maxBytes = typeof error?.maxBytes === 'number' ? error.maxBytes : undefined;
    return { ok: false, error: 'FILE_TOO_LARGE', message, ...(maxBytes !== undefined ? { maxBytes } : {}) };
  }
  if (code === 'INVALID_FILE_TYPE' || status === 415) return { ok: false, error: 'INVALID_FILE_TYPE', message };
  return { ok: false, error: 'SERVER_ERROR', message };
}

function post(
  target: UploadTarget,
  chunk: Blob,
  filename: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  onLoaded: (bytes: number) => void,
): Promise<Answer> {
  return new Promise((resolve) => {
    const form = new FormData();
    // The fields first: the store checks the signature before it reads the file.
    for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
    form.append('file', chunk, filename);

    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const settle = (answer: Answer) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(answer);
    };
    xhr.open('POST', target.uploadUrl);
    xhr.responseType = 'text';
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onLoaded(Math.min(event.loaded, chunk.size));
    xhr.onload = () => settle({ kind: 'response', status: xhr.status, body: parseJson(xhr.responseText) });
    xhr.onerror = () => settle({ kind: 'network' });
    xhr.ontimeout = () => settle({ kind: 'network' });
    xhr.onabort = () => settle({ kind: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) {
      settle({ kind: 'aborted' });
      return;
    }
    xhr.send(form);
  });
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** 32 hex digits: what both stores accept as X-Unique-Upload-Id. */
function randomUploadId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
