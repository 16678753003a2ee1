import webpush from 'web-push';
import type { EndpointPolicy } from './endpoint-policy.js';
import type { PushJob } from './push-job.js';

/** The server's VAPID identity: the key pair browsers subscribed with, and a contact for push services. */
export interface VapidDetails {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` */
  subject: string;
}

/**
 * What a push service did with a push; the worker decides from it. Expected outcomes are values:
 * - `sent`: accepted (2xx);
 * - `gone`: 404/410, the subscription no longer exists — delete it, never retry;
 * - `rate-limited`: 429, try again after `retryAfterSeconds`;
 * - `failed`: 5xx, a network error or a name that does not resolve — retry with backoff;
 * - `rejected`: any other answer (400, 403 for a VAPID key the browser did not subscribe with,
 *   413) or an address the policy refuses — retrying would not help.
 */
export type PushOutcome =
  | { kind: 'sent'; status: number }
  | { kind: 'gone'; status: number }
  | { kind: 'rate-limited'; status: 429; retryAfterSeconds: number }
  | { kind: 'failed'; status: number | null; reason: string }
  | { kind: 'rejected'; status: number | null; reason: string };

/** The browser end of a subscription. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushSenderOptions {
  vapid: VapidDetails;
  policy: EndpointPolicy;
  /** How long a push service may take to answer. @default 10000 */
  timeoutMs?: number;
  /** How long push services keep a push for a browser that is not connected. @default 3600 */
  ttlSeconds?: number;
}

/** Retry-After beyond this is capped; without a usable value we wait a minute. */
const MAX_RETRY_AFTER_SECONDS = 3600;
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** How long a VAPID token is valid (RFC 8292 allows at most 24 h); it is signed again an hour before it expires. */
const VAPID_TOKEN_SECONDS = 12 * 3600;
const VAPID_RENEW_BEFORE_SECONDS = 3600;
/** Push service origins whose token is kept; a handful in practice (FCM, Mozilla, Apple, Windows). */
const MAX_CACHED_AUDIENCES = 256;

/**
 * Sends Web Push messages with the `web-push` library: aes128gcm payloads, VAPID authentication.
 * The VAPID token (an ES256-signed JWT per push service origin) is signed once and reused until
 * an hour before it expires, as push services expect, instead of signed again for every push:
 * that signature was a third of the CPU a push cost.
 */
export class PushSender {
  private readonly tokens = new Map<string, { authorization: string; renewAt: number }>();

  constructor(private readonly options: PushSenderOptions) {}

  async send(target: PushTarget, push: Pick<PushJob, 'payload' | 'urgency' | 'topic'>): Promise<PushOutcome> {
    // Again at send time: the host may resolve elsewhere than when the browser registered it.
    const check = await this.options.policy.check(target.endpoint);
    if (!check.ok) {
      return check.problem === 'unresolvable'
        ? { kind: 'failed', status: null, reason: 'the endpoint host does not resolve' }
        : { kind: 'rejected', status: null, reason: `endpoint refused by policy: ${check.problem}` };
    }
    try {
      const response = await webpush.sendNotification(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        JSON.stringify(push.payload),
        {
          TTL: this.options.ttlSeconds ?? 3600,
          urgency: push.urgency,
          topic: push.topic,
          headers: { Authorization: this.authorization(check.url) },
          agent: this.options.policy.agentFor(check),
          timeout: this.options.timeoutMs ?? 10_000,
        },
      );
      return { kind: 'sent', status: response.statusCode };
    } catch (error) {
      return classify(error);
    }
  }

  /** The `Authorization: vapid t=…, k=…` header for the endpoint's push service (its origin is the token's audience). */
  private authorization(endpoint: URL): string {
    const audience = endpoint.origin;
    const now = Date.now();
    const cached = this.tokens.get(audience);
    if (cached && cached.renewAt > now) return cached.authorization;
    const { publicKey, privateKey, subject } = this.options.vapid;
    const expires = Math.floor(now / 1000) + VAPID_TOKEN_SECONDS;
    const { Authorization } = webpush.getVapidHeaders(audience, subject, publicKey, privateKey, 'aes128gcm', expires);
    if (this.tokens.size >= MAX_CACHED_AUDIENCES) this.tokens.clear();
    this.tokens.set(audience, { authorization: Authorization, renewAt: now + (VAPID_TOKEN_SECONDS - VAPID_RENEW_BEFORE_SECONDS) * 1000 });
    return Authorization;
  }
}

function classify(error: unknown): PushOutcome {
  if (!(error instanceof webpush.WebPushError)) {
    return { kind: 'failed', status: null, reason: error instanceof Error ? error.message : String(error) };
  }
  const status = error.statusCode;
  if (status === 404 || status === 410) return { kind: 'gone', status };
  if (status === 429) return { kind: 'rate-limited', status, retryAfterSeconds: retryAfterSeconds(error.headers['retry-after']) };
  if (status >= 500) return { kind: 'failed', status, reason: `push service answered ${status}` };
  return { kind: 'rejected', status, reason: `push service answered ${status}: ${String(error.body).slice(0, 200)}` };
}

/** Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110), within 1 s … 1 h. */
export function retryAfterSeconds(header: string | string[] | undefined, now = Date.now()): number {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  let seconds = NaN;
  if (value && /^\d+$/.test(value)) seconds = Number(value);
  else if (value) seconds = Math.ceil((Date.parse(value) - now) / 1000);
  if (!Number.isFinite(seconds)) return DEFAULT_RETRY_AFTER_SECONDS;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}
