import type { ApolloCache, Reference } from '@apollo/client/core';
import { insertMessage, type StoredMessages } from '../../graphql/cache';
import { ConversationProgressFragmentDoc, MessageFieldsFragmentDoc, type MessageFieldsFragment } from '../../graphql/generated/graphql';

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
