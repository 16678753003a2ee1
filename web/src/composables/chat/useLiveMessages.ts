import { useApolloClient } from '@vue/apollo-composable';
import { onScopeDispose } from 'vue';
import {
  ConversationsDocument,
  MarkDeliveredDocument,
  MessageAddedDocument,
  MessagesSinceDocument,
  MessageUpdatedDocument,
  ReceiptUpdatedDocument,
  type MessageFieldsFragment,
  type ReceiptUpdatedSubscription,
} from '../../graphql/generated/graphql';
import { useRealtime } from '../../realtime/inject';
import { useSession } from '../auth/useSession';
import { clearAttachmentDrafts } from '../media/useAttachments';
import { applyMessage, applyMessageUpdate, applyReceipt } from './messageCache';
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
/** Deliveries heard within this long are reported together. */
const DELIVERED_BATCH_MS = 100;

/**
 * Keeps the cache live while someone is signed in: one `messageAdded` subscription for all their
 * conversations feeds the open conversation, the list and the unread counts (and tells the
 * sender each message was delivered); `messageUpdated` brings edits, deletions and reactions;
 * `receiptUpdated` moves the members' cursors behind the ticks. Live events are
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
    else {
      // Even when seen before (the list refresh can bring a message ahead of its live event).
      markDelivered(message);
      if (applied.isNew) unread.arrived(message.conversationId);
    }
    if (!applied.conversationKnown) void refreshList();
    else if (applied.missedAfter !== null) void catchUp(message.conversationId, applied.missedAfter);
  }

  /**
   * Tells the sender their message reached us. A catch-up brings many messages at once, so the
   * newest seq per conversation is sent once the burst is over (the cursor covers those before it).
   */
  const deliveredUpTo = new Map<string, number>();
  let deliveredTimer: ReturnType<typeof setTimeout> | undefined;
  function markDelivered(message: MessageFieldsFragment): void {
    deliveredUpTo.set(message.conversationId, Math.max(deliveredUpTo.get(message.conversationId) ?? 0, message.seq));
    clearTimeout(deliveredTimer);
    deliveredTimer = setTimeout(flushDelivered, DELIVERED_BATCH_MS);
  }
  function flushDelivered(): void {
    for (const [conversationId, seq] of deliveredUpTo) {
      client.mutate({ mutation: MarkDeliveredDocument, variables: { conversationId, seq } }).catch(() => undefined); // a later message, or reading it, moves the cursor past it anyway
    }
    deliveredUpTo.clear();
  }

  function receipt({ conversationId, user: who, kind, seq }: ReceiptUpdatedSubscription['receiptUpdated']): void {
    applyReceipt(client.cache, { conversationId, userId: who.id, kind, seq });
    // Read on another device of ours.
    if (who.id === user.value?.id && kind === 'READ') unread.read(conversationId, seq);
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
        // New to this client: its history loads when opened; its unread count comes with the list.
        if (lastSeen === undefined) return undefined;
        return node.lastSeq > lastSeen ? catchUp(node.id, lastSeen) : undefined;
      }),
    );
    client.cache.writeQuery({ query: ConversationsDocument, variables: CONVERSATION_LIST_VARIABLES, data });
  }

  /**
   * Fetches the list again, for a conversation new to this client. Messages keep coming while it
   * is in flight, so asking again meanwhile fetches once more afterwards: a request merged into
   * the one in flight could miss them.
   */
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  function refreshList(): Promise<void> {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        await client.query({ query: ConversationsDocument, variables: CONVERSATION_LIST_VARIABLES, fetchPolicy: 'network-only' });
      } while (refreshAgain);
    })()
      .catch(() => undefined) // the next message, or the sweep after a reconnect, tries again
      .finally(() => (refreshing = null));
    return refreshing;
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

  const stopUpdates = keepSubscribed(() =>
    client.subscribe({ query: MessageUpdatedDocument, fetchPolicy: 'no-cache' }).subscribe({
      next: ({ data }) => data && applyMessageUpdate(client.cache, data.messageUpdated),
      error: () => stopUpdates.retry(),
    }),
  );
  const stopReceipts = keepSubscribed(() =>
    client.subscribe({ query: ReceiptUpdatedDocument, fetchPolicy: 'no-cache' }).subscribe({
      next: ({ data }) => data && receipt(data.receiptUpdated),
      error: () => stopReceipts.retry(),
    }),
  );

  // One sweep at a time.
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
    clearTimeout(deliveredTimer);
    subscription?.unsubscribe();
    stopUpdates.stop();
    stopReceipts.stop();
    // Signed out: nothing of this person's stays for the next one (the cache is cleared by modules/apollo.ts).
    outbox.clear();
    clearAttachmentDrafts();
  });
}

/** Holds one subscription open: `retry` (from its error handler) opens it again a little later. */
function keepSubscribed(open: () => { unsubscribe(): void }) {
  let current: { unsubscribe(): void } | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const handle = {
    retry: () => {
      clearTimeout(timer);
      timer = setTimeout(() => !stopped && (current = open()), RESUBSCRIBE_MS);
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      current?.unsubscribe();
    },
  };
  current = open();
  return handle;
}
