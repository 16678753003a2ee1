import type { LiveMode } from './live.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientInfo, Viewer, TokenCheck } from './auth.js';
import { UnauthenticatedError } from './errors.js';
import type { Logger } from './logger.js';

/** What every resolver receives: who is asking, and a unit of work of its own. */
export interface RequestContext {
  viewer: Viewer | null;
  /** Why there is no viewer, so the error can say what to do. */
  authProblem: Extract<TokenCheck, { ok: false }>['reason'] | null;
  /** A fork of the subgraph's EntityManager for this request or subscription operation. */
  em: EntityManager;
  logger: Logger;
  /** The caller's `Authorization` value, for calls a subgraph makes on the caller's behalf. */
  authorization: string | null;
  /**
   * The subgraph calling on its own behalf (`SERVICE_CALLER_HEADER`), else null. Only what is
   * visible to every signed-in user may be answered to it.
   */
  service: string | null;
  /** The person's client (address, User-Agent) as the router forwarded it. */
  client: ClientInfo;
  /** How the router runs this subscription operation (see LiveMode); absent for queries and mutations. */
  live?: { mode: LiveMode; ready: boolean; viewerPaths?: readonly string[] };
}

const messages = {
  missing: 'Sign in first: send an access token as "Authorization: Bearer <token>".',
  expired: 'Your access token has expired: get a new one with refreshSession.',
  invalid: 'The access token is not valid: sign in again.',
  revoked: 'This session was signed out (from another device, by a password change or by deleting the account): sign in again.',
} as const;

/** The signed-in viewer, or an UNAUTHENTICATED error that says what went wrong. */
export function requireViewer(context: RequestContext): Viewer {
  if (context.viewer) return context.viewer;
  const problem = context.authProblem ?? 'missing';
  throw new UnauthenticatedError(messages[problem], problem === 'revoked' ? 'revoked' : undefined);
}
