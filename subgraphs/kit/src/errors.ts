import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger.js';

/** Every `extensions.code` a ChirpChat API error can carry (see shared/API.md, "Errors"). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  INVALID_FILE_TYPE: 'INVALID_FILE_TYPE',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const knownCodes = new Set<string>(Object.values(ErrorCode));
/** Codes Apollo Server and graphql-js produce themselves and that are safe to show. */
const passThroughCodes = new Set(['GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

/** An error meant for the caller: its message says what to do, its code says what kind it is. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export class UnauthenticatedError extends AppError {
  /** @param reason why, when a client should act on it (`revoked`: sign in again, refreshing will not help) */
  constructor(message = 'Sign in first: this needs a valid access token.', reason?: 'revoked') {
    super(ErrorCode.UNAUTHENTICATED, message, reason ? { reason } : {});
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.') {
    super(ErrorCode.FORBIDDEN, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(ErrorCode.NOT_FOUND, message);
  }
}

export class BadUserInputError extends AppError {
  /** @param field the input field at fault, so a client can point at it */
  constructor(message: string, field?: string) {
    super(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
  }
}

export class ConflictError extends AppError {
  constructor(message: string, field?: string) {
    super(ErrorCode.CONFLICT, message, field ? { field } : {});
  }
}

export class FileTooLargeError extends AppError {
  /** @param maxBytes the limit, so a client can say it (or compress and try again) */
  constructor(message: string, maxBytes?: number) {
    super(ErrorCode.FILE_TOO_LARGE, message, maxBytes === undefined ? {} : { maxBytes });
  }
}

export class InvalidFileTypeError extends AppError {
  constructor(message: string) {
    super(ErrorCode.INVALID_FILE_TYPE, message);
  }
}

/** A part of the product did not answer (down, or too slow): the caller may try again later. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message);
  }
}

/** True when the error's code is one the public contract allows to reach a client. */
export function isPublicError(error: { extensions?: Record<string, unknown> }): boolean {
  const code = error.extensions?.code;
  return typeof code === 'string' && (knownCodes.has(code) || passThroughCodes.has(code)) && code !== ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * Apollo Server's and graphql-ws's `formatError` for ChirpChat services: public errors pass as
 * they are; anything else is logged and, in production, reaches the client only as
 * "Internal server error" with code INTERNAL_SERVER_ERROR.
 */
export function createErrorFormatter(logger: Logger, production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (isPublicError(formatted)) return formatted;
    logger.error({ err: (error as { originalError?: unknown })?.originalError ?? error }, 'internal error');
    return production
      ? {
          message: 'Internal server error',
          extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
          ...(formatted.path ? { path: formatted.path } : {}),
        }
      : { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
