import { ApolloError } from '@apollo/client/core';
import type { GraphQLFormattedError } from 'graphql';

/** The `extensions.code` values of the API (API.md, "Errors"), plus NETWORK when it could not be reached. */
export type FailureCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'FILE_TOO_LARGE'
  | 'INVALID_FILE_TYPE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'INTERNAL_SERVER_ERROR'
  | 'NETWORK';

/** An expected failure as the UI shows it: the server's message, and the input field it names. */
export interface Failure {
  code: FailureCode;
  message: string;
  field?: string;
  /** RATE_LIMITED: when the same request may go again. */
  retryAfterSeconds?: number;
}

/**
 * Whether the same request may simply go again later: too fast (RATE_LIMITED, after its
 * retryAfterSeconds), a part of the product down for a moment (SERVICE_UNAVAILABLE), or no network.
 */
export function isTransient(failure: Failure): boolean {
  return failure.code === 'RATE_LIMITED' || failure.code === 'SERVICE_UNAVAILABLE' || failure.code === 'NETWORK';
}

const KNOWN_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'FILE_TOO_LARGE',
  'INVALID_FILE_TYPE',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'GRAPHQL_VALIDATION_FAILED',
  'INTERNAL_SERVER_ERROR',
]);

const UNREACHABLE: Failure = {
  code: 'NETWORK',
  message: 'ChirpChat cannot be reached. Check your connection and try again.',
};

/** The failure one GraphQL error describes. */
export function fromGraphQLError(error: GraphQLFormattedError): Failure {
  const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const field = error.extensions?.field;
  const retryAfter = error.extensions?.retryAfterSeconds;
  return {
    code: KNOWN_CODES.has(code) ? (code as FailureCode) : 'INTERNAL_SERVER_ERROR',
    message: error.message,
    ...(typeof field === 'string' ? { field } : {}),
    ...(typeof retryAfter === 'number' && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/** Thrown by `request` (graphql/request.ts) with the failure it met. */
export class RequestFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'RequestFailure';
  }
}

/** Whatever an operation threw, as a Failure the UI can show. */
export function toFailure(error: unknown): Failure {
  if (error instanceof RequestFailure) return error.failure;
  if (error instanceof ApolloError) {
    const first = error.graphQLErrors[0];
    if (first) return fromGraphQLError(first);
    if (error.networkError) {
      // A 4xx/5xx carrying a GraphQL error body still names its code.
      const body = (error.networkError as { result?: { errors?: GraphQLFormattedError[] } }).result;
      const inBody = body?.errors?.[0];
      return inBody ? fromGraphQLError(inBody) : UNREACHABLE;
    }
    return { code: 'INTERNAL_SERVER_ERROR', message: error.message };
  }
  if (error instanceof TypeError) return UNREACHABLE; // fetch() could not connect
  return { code: 'INTERNAL_SERVER_ERROR', message: error instanceof Error ? error.message : String(error) };
}
