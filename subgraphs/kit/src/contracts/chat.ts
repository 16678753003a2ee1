import { fetchEntities, type PeerAddress } from '../federation.js';
import { defineQueue } from '../jobs.js';

/**
 * The contract of the **chat** subgraph (its owner) with the subgraphs that depend on it.
 *
 * - Queue `message-sent`: chat enqueues, notifications consumes.
 * - `_entities` that chat answers for other subgraphs, as the caller (their own token):
 *   `Conversation { id }` is null unless the caller is a current member (media, notifications
 *   ask it); `User { sharesConversationWithMe }` says whether the caller shares a conversation
 *   with that user (media asks it for profile pictures and stories).
 */

/**
 * Whether the caller (`authorization`) is a current member of the conversation.
 * @throws Error when chat does not answer in time (never a wrong "yes")
 */
export async function askIsMember(chat: PeerAddress, conversationId: string, authorization: string | null): Promise<boolean> {
  const [conversation] = await fetchEntities<{ id?: string }>(chat, {
    authorization,
    typename: 'Conversation',
    ids: [conversationId],
    selection: 'id',
  });
  return typeof conversation?.id === 'string';
}

/**
 * Whether the caller (`authorization`) shares a conversation with `userId`.
 * @throws Error when chat does not answer in time
 */
export async function askSharesConversation(chat: PeerAddress, userId: string, authorization: string | null): Promise<boolean> {
  const [user] = await fetchEntities<{ sharesConversationWithMe?: boolean }>(chat, {
    authorization,
    typename: 'User',
    ids: [userId],
    selection: 'sharesConversationWithMe',
  });
  return user?.sharesConversationWithMe === true;
}

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
  /**
   * Not set any more: notifications looks the sender's display name up itself (one call per
   * batch, off the send path). Events enqueued by earlier versions carry it.
   */
  senderName?: string | null;
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
