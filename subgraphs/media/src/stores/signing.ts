import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of `value`, base64url: the local store's URL signatures. */
export function hmac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

/** Compares two strings in constant time (for equal lengths; different lengths are simply unequal). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Cloudinary's notification signature: hex hash of body + timestamp + secret (`X-Cld-Signature`
 * with `X-Cld-Timestamp`). The local store signs its notifications the same way, with its own
 * secret, so one handler verifies both.
 */
export function notificationSignature(rawBody: string, timestamp: string, secret: string, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm)
    .update(rawBody + timestamp + secret)
    .digest('hex');
}

/**
 * Checks a notification signature in constant time, and that its timestamp (Unix seconds) is
 * within `windowSeconds` of now on either side: a captured notification cannot be replayed later.
 */
export function verifyNotificationSignature(
  rawBody: string,
  timestamp: string | undefined,
  signature: string | undefined,
  secret: string,
  algorithm: 'sha1' | 'sha256',
  windowSeconds: number,
  nowMs = Date.now(),
): boolean {
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > windowSeconds) return false;
  return safeEqual(notificationSignature(rawBody, timestamp, secret, algorithm), signature.toLowerCase());
}
