import { generateKeyPairSync, timingSafeEqual, createHash } from 'node:crypto';
import { importPKCS8, importSPKI, jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { RevocationView } from './revocation.js';

/** The signed-in user a request or subscription acts for. */
export interface Viewer {
  id: string;
  /** When the access token that identified them stops being valid. */
  expiresAt: Date;
  /** The session (refresh-token family) the token was issued to (`sid`); null for a token without one. */
  sessionId: string | null;
  /** The user's token generation when the token was signed (`gen`): changing the password or deleting the account raises it. */
  generation: number;
}

const ISSUER = 'chirpchat';
const ALGORITHM = 'EdDSA';

/** Outcome of reading a bearer token: expected failures are values, not exceptions. */
export type TokenCheck = { ok: true; viewer: Viewer } | { ok: false; reason: 'missing' | 'expired' | 'invalid' | 'revoked' };

export type TokenVerifier = (authorization: string | undefined | null) => Promise<TokenCheck>;

/** Verified tokens a verifier remembers; past it, the oldest is forgotten first. */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Verifies access tokens with the public key; every service holds one, only users holds the private key.
 * A token that verified is remembered by its exact string until it expires, so a client's next
 * requests skip the signature check (an Ed25519 verification per request and per subgraph was
 * 5 % of the send path's CPU): the same string can only carry the same claims. A token that
 * verified is then looked up in `revocations` (two map lookups), so a signed-out session stops at once.
 */
export async function createTokenVerifier(publicKeyPem: string, revocations?: RevocationView): Promise<TokenVerifier> {
  const key = await importSPKI(publicKeyPem, ALGORITHM);
  const verified = new Map<string, Viewer>();
  return async (authorization) => {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim();
    if (!token) return { ok: false, reason: 'missing' };
    const known = verified.get(token);
    if (known) {
      // As jose judges it: a token is expired from its `exp` second on.
      if (known.expiresAt.getTime() <= Date.now()) {
        verified.delete(token);
        return { ok: false, reason: 'expired' };
      }
      return revocations?.isRevoked(known) ? { ok: false, reason: 'revoked' } : { ok: true, viewer: known };
    }
    try {
      const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: [ALGORITHM] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
      const viewer: Viewer = {
        id: payload.sub,
        expiresAt: new Date(payload.exp * 1000),
        sessionId: typeof payload.sid === 'string' ? payload.sid : null,
        generation: typeof payload.gen === 'number' ? payload.gen : 0,
      };
      if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
      verified.set(token, viewer);
      return revocations?.isRevoked(viewer) ? { ok: false, reason: 'revoked' } : { ok: true, viewer };
    } catch (error) {
      return { ok: false, reason: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  };
}

/** What an access token says besides who it is for: its session (`sid`) and the user's token generation (`gen`). */
export interface TokenClaims {
  /** Null for a token of no session (benchmarks' and tests' own tokens): only a generation can revoke it. */
  sessionId: string | null;
  generation: number;
}

/** @param claims @default no session, generation 0 */
export type TokenSigner = (userId: string, claims?: TokenClaims) => Promise<{ token: string; expiresAt: Date }>;

/** Signs short-lived access tokens; only the users subgraph calls this. */
export async function createTokenSigner(privateKeyPem: string, ttlSeconds: number): Promise<TokenSigner> {
  const key = await importPKCS8(privateKeyPem, ALGORITHM);
  return async (userId, claims = { sessionId: null, generation: 0 }) => {
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + ttlSeconds) * 1000);
    const token = await new SignJWT(
      claims.sessionId === null ? { gen: claims.generation } : { sid: claims.sessionId, gen: claims.generation },
    )
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(key);
    return { token, expiresAt };
  };
}

/** A fresh Ed25519 key pair in PEM, for the embedded mode, tests and `npm run keys`. */
export function generateSigningKeys(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** Compares secrets in constant time, whatever their lengths. */
export function secretsEqual(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The header (HTTP) and connection parameter (WebSocket) that carry the router secret to subgraphs. */
export const ROUTER_SECRET_HEADER = 'x-chirpchat-router-secret';

/**
 * The header with which a subgraph calls another on its own behalf, not a person's (the push
 * fan-out asking for senders' display names): its value names the calling subgraph. Only
 * requests with the router secret get that far, and the router never sends it.
 */
export const SERVICE_CALLER_HEADER = 'x-chirpchat-service';

/**
 * The headers with which the router tells a subgraph who the person's client is: its address (as
 * the router judged it, see TRUST_PROXY) and its User-Agent. Subgraphs believe them only because
 * nobody but the router can call them (router secret); rate limits and the audit trail use them.
 */
export const CLIENT_ADDRESS_HEADER = 'x-chirpchat-client-address';
export const CLIENT_AGENT_HEADER = 'x-chirpchat-client-agent';

/** The person's client as the router saw it; null where unknown (a live event, a subgraph's own call). */
export interface ClientInfo {
  address: string | null;
  userAgent: string | null;
}
