import type { Response } from 'express';

/** An upload or file request refused: the HTTP status, the API's error code and what to do. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Answers `{ error: { code, message } }` (Cloudinary answers `{ error: { message } }`, so clients read both alike). */
export function sendError(res: Response, error: HttpError): void {
  if (res.headersSent) return;
  res.status(error.status).json({ error: { code: error.code, message: error.message, ...error.extra } });
}
