import { createHash } from 'node:crypto';
import { defineQueue, type JobInsert } from '@chirpchat/kit';

/**
 * What the service worker receives (JSON, encrypted for the browser). Small on purpose: push
 * services take about 4 kB, and the client fetches the rest by `seq` when it opens.
 */
export interface PushPayload {
  conversationId: string;
  /** The conversation's title, or for a direct conversation the sender's name. */
  title: string;
  senderName: string | null;
  /** The start of the message; null when the recipient turned previews off. */
  preview: string | null;
  seq: number;
  /** Pushes for this conversation in the current burst, this one included ("3 new messages"). */
  count: number;
}

/**
 * One push to one subscription. The fan-out sends it at once; it becomes a job of its own only
 * when that attempt fails or is slow, so that each delivery retries on its own.
 */
export interface PushJob {
  messageId: string;
  subscriptionId: string;
  /** Whom the push is for: a subscription that has since moved to another account gets none. */
  userId: string;
  payload: PushPayload;
  urgency: 'normal' | 'high';
  /** The Web Push `Topic`: a newer push with the same topic replaces one still undelivered. */
  topic: string;
  /** How many times the push service has already answered 429 for this delivery. */
  rateLimited: number;
  /**
   * Set on the job that backs an attempt still unanswered when the fan-out moved on: that attempt
   * records its delivery if it succeeds, and the job looks for the record before sending.
   */
  recheck?: boolean;
}

/**
 * 5xx and network failures retry with exponential backoff, for about half an hour in all; jobs
 * older than the pushes' own TTL (an hour) are not worth sending.
 */
export const pushQueue = defineQueue<PushJob>('push', {
  retryLimit: 5,
  retryDelay: 10,
  retryBackoff: true,
  retryDelayMax: 900,
  expireInSeconds: 60,
  retentionSeconds: 3600,
  notify: true,
});

/** The hourly clean-up of delivery records, bursts and expired mutes. */
export const maintenanceQueue = defineQueue<object>('notifications-maintenance', { retryLimit: 1, expireInSeconds: 300 });

/**
 * The job id of a delivery: derived from (message, subscription, 429 round), so enqueueing the
 * same delivery twice makes one job (pg-boss skips an id it already has).
 */
export function pushJobId(messageId: string, subscriptionId: string, rateLimited: number): string {
  const hex = createHash('sha256').update(`${messageId}\n${subscriptionId}\n${rateLimited}`).digest('hex');
  // Shaped as a UUID (version 8, "custom") because pg-boss job ids are uuid.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The push `Topic` for a conversation: at most 32 URL-safe characters, as RFC 8030 asks. */
export function topicFor(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}

/** Retry settings that override the queue's, for tests that cannot wait minutes. */
export interface PushRetry {
  limit: number;
  delaySeconds: number;
}

/** A push job ready to insert: its derived id, and the retry override when there is one. */
export function pushJob(data: PushJob, retry?: PushRetry, startAfterSeconds?: number): JobInsert<PushJob> {
  return {
    id: pushJobId(data.messageId, data.subscriptionId, data.rateLimited),
    data,
    ...(retry ? { retryLimit: retry.limit, retryDelay: retry.delaySeconds } : {}),
    ...(startAfterSeconds !== undefined ? { startAfter: startAfterSeconds } : {}),
  };
}
