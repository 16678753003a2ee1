import type { ApolloCache, Reference } from '@apollo/client/core';
import { insertMessage, type StoredMessages } from '../../graphql/cache';
import {
  ConversationProgressFragmentDoc,
  ConversationReceiptsFragmentDoc,
  MessageFieldsFragmentDoc,
  type MessageFieldsFragment,
} from '../../graphql/generated/graphql';

/** What applying a message found. */
export interface AppliedMessage {
  /** This client had not seen the message before (a repeat of a live event, or our own send, is not new). */
  isNew: boolean;
  /** The conversation is in the cache; when it is not, the list needs a refetch to show it. */
  conversationKnown: boolean;
  /** Set when the message skipped seqs: fetch `messagesSince(conversationId, missedAfter)`. */
  missedAfter: number | null;
}

/**
 * Puts a message everywhere the views read it: the Message itself, its conversation's loaded
 * history (one entry per seq, however many times it arrives: mutation result, live event,
 * catch-up), and the conversation's last message and `lastSeq`. Every path that learns of a
 * message goes through here, so none of them can show it twice.
 */
export function applyMessage(cache: ApolloCache<unknown>, message: MessageFieldsFragment): AppliedMessage {
  const messageId = cache.identify({ __typename: 'Message', id: message.id });
  const seen = cache.readFragment({ id: messageId, fragment: MessageFieldsFragmentDoc, fragmentName: 'MessageFields' });
  const ref = cache.writeFragment({
    id: messageId,
    fragment: MessageFieldsFragmentDoc,
    fragmentName: 'MessageFields',
    data: { __typename: 'Message', ...message } as MessageFieldsFragment,
  }) as Reference | undefined;
  const isNew = seen === null;

  const conversationId = cache.identify({ __typename: 'Conversation', id: message.conversationId });
  const progress = cache.readFragment({ id: conversationId, fragment: ConversationProgressFragmentDoc });
  if (!progress || !ref) return { isNew, conversationKnown: false, missedAfter: null };

  const newest = message.seq >= progress.lastSeq;
  cache.modify({
    id: conversationId,
    fields: {
      // Held history only: a conversation not opened yet loads its history when it is.
      messages: (existing, { readField }) => insertMessage(existing as StoredMessages, ref, readField),
      ...(newest
        ? {
            lastSeq: () => message.seq,
            lastMessage: () => ref,
            lastMessageAt: () => message.createdAt,
          }
        : {}),
    },
  });
  return { isNew, conversationKnown: true, missedAfter: message.seq > progress.lastSeq + 1 ? progress.lastSeq : null };
}

/** A receipt cursor only moves forward: events may arrive late or twice. */
export function applyReceipt(
  cache: ApolloCache<unknown>,
  receipt: { conversationId: string; userId: string; kind: 'DELIVERED' | 'READ'; seq: number },
): void {
  const id = cache.identify({ __typename: 'Conversation', id: receipt.conversationId });
  const held = cache.readFragment({ id, fragment: ConversationReceiptsFragmentDoc, fragmentName: 'ConversationReceipts' });
  if (!held) return;
  const members = held.members.map((member) => {
    if (member.user.id !== receipt.userId) return member;
    // Reading a message implies it was delivered.
    const delivered = Math.max(member.lastDeliveredSeq, receipt.seq);
    return receipt.kind === 'READ'
      ? { ...member, lastDeliveredSeq: delivered, lastReadSeq: Math.max(member.lastReadSeq, receipt.seq) }
      : { ...member, lastDeliveredSeq: delivered };
  });
  cache.writeFragment({ id, fragment: ConversationReceiptsFragmentDoc, fragmentName: 'ConversationReceipts', data: { ...held, members } });
}

/** Sets the viewer's unread count for a conversation the cache holds; `change` gets the current one. */
export function updateUnread(
  cache: ApolloCache<unknown>,
  conversationId: string,
  change: (current: number, lastSeq: number) => number,
): void {
  const id = cache.identify({ __typename: 'Conversation', id: conversationId });
  const held = cache.readFragment({ id, fragment: ConversationReceiptsFragmentDoc, fragmentName: 'ConversationReceipts' });
  if (!held) return;
  const next = Math.max(0, change(held.unreadCount, held.lastSeq));
  if (next !== held.unreadCount) cache.modify({ id, fields: { unreadCount: () => next } });
}

/** Writes a changed message (edit, delete, reaction) over the cached copy; history is untouched. */
export function applyMessageUpdate(cache: ApolloCache<unknown>, message: MessageFieldsFragment): void {
  cache.writeFragment({
    id: cache.identify({ __typename: 'Message', id: message.id }),
    fragment: MessageFieldsFragmentDoc,
    fragmentName: 'MessageFields',
    data: { __typename: 'Message', ...message } as MessageFieldsFragment,
  });
}
