import { reactive } from 'vue';
import type { MediaKind } from '../../graphql/generated/graphql';

/** A message of ours the server has not confirmed yet. */
export interface OutgoingMessage {
  /** Our idempotency key: a retry sends the same one, so the server never stores it twice. */
  clientId: string;
  conversationId: string;
  text: string;
  createdAt: string;
  /**
   * - `waiting`: for its conversation to load, so that it goes after the history (shown as "Sending…")
   * - `sending`: handed to the conversation's queue, or on its way
   * - `failed`: see `error`; Retry sends it again
   */
  state: 'waiting' | 'sending' | 'failed';
  error: string | null;
  /**
   * While `sending` after a transient refusal: what the row says until it goes again by itself,
   * e.g. "Slow down — sending again in 3 s".
   */
  notice: string | null;
  /** The message this one answers, as the reply shows it. */
  replyTo: QuotedMessage | null;
  /** Files already uploaded, sent by id; shown from the sender's own copies until the server's arrive. */
  attachments: OutgoingAttachment[];
}

/** An uploaded file on its way with a message. */
export interface OutgoingAttachment {
  mediaId: string;
  kind: MediaKind;
  filename: string;
  bytes: number;
  /** An object URL of the local file (images only), for the "Sending…" row and until processing ends. */
  previewUrl: string | null;
}

/** A message as a reply quotes it; `text` is null once it was deleted. */
export interface QuotedMessage {
  id: string;
  senderName: string;
  text: string | null;
}

/**
 * Messages on their way, by clientId. They show at the end of their conversation until the
 * server's copy (with the same clientId) arrives, from the mutation result or a live event,
 * whichever is first; then the entry goes. Kept outside any component, so leaving the
 * conversation while a send is in flight loses nothing.
 */
export const outbox = reactive(new Map<string, OutgoingMessage>());

/** The last send queued in each conversation that has one under way. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `send` once every send queued before it in the same conversation has finished, whether
 * it went through or failed, so messages are stored in the order they were written.
 */
export function inOrder(conversationId: string, send: () => Promise<void>): Promise<void> {
  const next = (queues.get(conversationId) ?? Promise.resolve()).then(send).catch(() => undefined);
  queues.set(conversationId, next);
  void next.then(() => {
    if (queues.get(conversationId) === next) queues.delete(conversationId);
  });
  return next;
}

/** A v4 UUID; `crypto.randomUUID` exists only in secure contexts (https, localhost). */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
