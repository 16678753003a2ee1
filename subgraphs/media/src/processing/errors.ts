/** Why processing refused or failed: too big for the limits, or not decodable as the kind it claims to be. */
export type ProcessingErrorCode = 'FILE_TOO_LARGE' | 'UNDECODABLE';

/**
 * Processing could not make the variants, for a reason that belongs to the file. The message is
 * safe to show the person who uploaded it; the tool's own output stays in `cause` for the logs.
 * Aborts and a missing ffmpeg are not wrapped: they are the worker's problem, not the file's.
 */
export class ProcessingError extends Error {
  override name = 'ProcessingError';
  constructor(
    readonly code: ProcessingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
