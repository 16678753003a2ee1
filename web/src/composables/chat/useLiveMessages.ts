import { useApolloClient } from '@vue/apollo-composable';
import { onScopeDispose } from 'vue';
import {
  ConversationsDocument,
  MessageAddedDocument,
  MessagesSinceDocument,
  type MessageFieldsFragment,
} from '../../graphql/generated/graphql';
import { useRealtime } from '../../realtime/inject';
import { useSession } from '../auth/useSession';
import { applyMessage } from './messageCache';
import { outbox } from './outbox';
import { CONVERSATION_LIST_VARIABLES } from './useConversations';
import { useUnread } from './useUnread';

const CATCH_UP_PAGE = 200;
/**
 * graphql-ws does not say when the server has started a subscription, so a message sent just as
 * the socket (re)connected can slip between the catch-up query and the subscription; a second,
 * cheap look (one list query) a moment later closes that window.
 */
const SETTLE_MS = 1500;
const RESUBSCRIBE_MS = 3000;

/**
 * Keeps the cache live while someone is signed in: one `messageAdded` subscription for all their
 * conversations feeds the open conversation, the list and the unread counts. Live events are
 * at most once, so after every reconnect, and whenever a `seq` is skipped, the missing messages
 * are fetched with `messagesSince` and merged by seq: nothing lost, nothing twice.
 */
export function useLiveMessages(): void {
  const client = useApolloClient().resolveClient();
  const realtime = useRealtime();
  const { user } = useSession();
  const unread = useUnread();
  const catchingUp = new Map<string, Promise<void>>();

  function receive(message: MessageFieldsFragment): void {
    const applied = applyMessage(client.cache, message);
    if (message.sender.id === user.value?.id) outbox.delete(message.clientId);
    else if (applied.isNew) unread.arrived(message.conversationId);
    if (!applied.conversationKnown) void refreshList();
    else if (applied.missedAfter !== null) void catchUp(message.conversationId, applied.missedAfter);
  }

  /** Fetches and applies every message after `afterSeq`, one catch-up per conversation at a time. */
  function catchUp(conversationId: string, afterSeq: number): Promise<void> {
    const previous = catchingUp.get(conversationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      let after = afterSeq;
      for (;;) {
        const { data } = await client.query({
          query: MessagesSinceDocument,
          variables: { conversationId, afterSeq: after, first: CATCH_UP_PAGE },
          fetchPolicy: 'no-cache', // applyMessage writes them, and must see them as new
        });
        for (const message of data.messagesSince) receive(message);
        if (data.messagesSince.length < CATCH_UP_PAGE) return;
        after = data.messagesSince.at(-1)!.seq;
      }
    });
    const settled = next.catch(() => undefined); // the next reconnect or gap tries again
    catchingUp.set(conversationId, settled);
    void settled.then(() => catchingUp.get(conversationId) === settled && catchingUp.delete(conversationId));
    return settled;
  }

  /**
   * Compares the server's conversation list with what the cache holds and catches up the
   * conversations that moved on; conversations new to this client join the list.
   */
  async function catchUpAll(): Promise<void> {
    const held = client.cache.readQuery({ query: ConversationsDocument, variables: CONVERSATION_LIST_VARIABLES });
    if (!held) return; // the list has not loaded yet: when it does, it is current
    const seen = new Map(held.conversations.edges.map(({ node }) => [node.id, node.lastSeq]));
    const { data } = await client.query({ query: ConversationsDocument, variables: CONVERSATION_LIST_VARIABLES, fetchPolicy: 'no-cache' });
    await Promise.all(
      data.conversations.edges.map(({ node }) => {
        const lastSeen = seen.get(node.id);
        if (lastSeen === undefined) {
          // New to this client; its history loads when opened. Count its latest message at most.
          if (node.lastMessage && node.lastMessage.sender.id !== user.value?.id) unread.arrived(node.id);
          return undefined;
        }
        return node.lastSeq > lastSeen ? catchUp(node.id, lastSeen) : undefined;
      }),
    );
    client.cache.writeQuery({ query: ConversationsDocument, variables: CONVERSATION_LIST_VARIABLES, data });
  }

  function refreshList(): Promise<unknown> {
    return client.refetchQueries({ include: [ConversationsDocument] });
  }

  let subscription: { unsubscribe(): void } | null = null;
  let resubscribeTimer: ReturnType<typeof setTimeout> | undefined;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  function subscribe(): void {
    subscription = client.subscribe({ query: MessageAddedDocument, fetchPolicy: 'no-cache' }).subscribe({
      next: ({ data }) => data && receive(data.messageAdded),
      // The transport reconnects by itself; an error here is the server ending this subscription.
      error: () => (resubscribeTimer = setTimeout(subscribe, RESUBSCRIBE_MS)),
    });
  }
  subscribe();

  // One sweep at a time: two at once would both count a new conversation's message as unread.
  let sweeps = Promise.resolve();
  const sweep = () => void (sweeps = sweeps.then(catchUpAll).catch(() => undefined));
  const stopListening = realtime.onConnected((reconnected) => {
    if (reconnected) sweep();
    clearTimeout(settleTimer);
    settleTimer = setTimeout(sweep, SETTLE_MS);
  });

  onScopeDispose(() => {
    stopListening();
    clearTimeout(resubscribeTimer);
    clearTimeout(settleTimer);
    subscription?.unsubscribe();
    // Signed out: nothing of this person's stays for the next one.
    unread.clear();
    outbox.clear();
  });
}
