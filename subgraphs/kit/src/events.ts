import { defineQueue } from './jobs.js';

/**
 * "A message was sent": enqueued by chat in the transaction that stores the message (job id =
 * message id, so one message is one job), consumed by notifications. Everything a push needs is
 * in it, because notifications never reads chat's or users' tables.
 */
export interface MessageSentEvent {
  messageId: string;
  conversationId: string;
  conversationKind: 'DIRECT' | 'GROUP' | 'CHANNEL';
  conversationTitle: string | null;
  seq: number;
  senderId: string;
  /** The sender's display name when chat could look it up, else null. */
  senderName: string | null;
  /** The start of the text (about 140 characters), for previews. */
  text: string;
  /** Every member except the sender, as of the send. */
  recipientIds: string[];
  /** Recipients mentioned by the message (may notify them in a muted conversation). */
  mentionedUserIds: string[];
}

/**
 * Retries cover the notifications database or Redis being briefly unavailable. A job that waits
 * longer than a day (notifications down) is dropped by retention: a push about a day-old message
 * would be noise. No `notify`: a NOTIFY inside every send's transaction would make PostgreSQL
 * commit the sends one at a time; chat wakes the consumers after its commits instead
 * (`JobQueue.wake`, coalesced), and they consume in batches.
 */
export const messageSentQueue = defineQueue<MessageSentEvent>('message-sent', {
  retryLimit: 8,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
  expireInSeconds: 120,
  retentionSeconds: 86_400,
});

/**
 * "These files are no longer needed": enqueued by chat in the transaction that deletes a message
 * for everyone (or a story), consumed by media, which deletes the files from its store and the
 * rows. Durable, so a crash or a store outage only delays the deletion.
 */
export interface MediaDeleteEvent {
  mediaIds: string[];
  /** What was deleted, for the logs: `message:<id>` or `story:<id>`. */
  reason: string;
}

/** Media fans each event out into one retried job per file, so these retries only cover its own database being away. */
export const mediaDeleteQueue = defineQueue<MediaDeleteEvent>('media-delete', {
  retryLimit: 20,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 900,
  expireInSeconds: 300,
  retentionSeconds: 14 * 86_400,
});
