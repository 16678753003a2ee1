import { useApolloClient, useQuery } from '@vue/apollo-composable';
import { computed, onScopeDispose, ref, watch, type Ref } from 'vue';
import { toFailure } from '../../graphql/errors';
import { ConversationMessagesDocument, SendMessageDocument, type MessageFieldsFragment } from '../../graphql/generated/graphql';
import { useOnline } from '../app/useConnectivity';
import { useSession } from '../auth/useSession';
import { conversationName } from './conversationDisplay';
import { applyMessage } from './messageCache';
import { newClientId, outbox, type OutgoingMessage } from './outbox';
import { useUnread } from './useUnread';

const PAGE_SIZE = 30;

/** One row of the message list: a stored message, or one of ours on its way. */
export interface TimelineItem {
  /** Stable across "sending" → "sent", so the row is updated in place, never added twice. */
  key: string;
  clientId: string;
  text: string;
  senderName: string;
  mine: boolean;
  createdAt: string;
  state: 'sent' | 'sending' | 'failed';
  error: string | null;
}

/** What `send` refused to do; it never throws. */
export type SendRefusal = 'empty' | 'not-loaded';

/**
 * One conversation: its history (newest page first, older pages on demand), and sending with
 * an optimistic row per message that the server's copy replaces by clientId.
 */
export function useConversation(conversationId: Ref<string>) {
  const client = useApolloClient().resolveClient();
  const { user } = useSession();
  const unread = useUnread();
  const query = useQuery(ConversationMessagesDocument, () => ({ id: conversationId.value, first: PAGE_SIZE }));
  const loadingOlder = ref(false);
  useOnline().whenBackOnline(() => void query.refetch());

  watch(conversationId, (id) => unread.opened(id), { immediate: true });
  onScopeDispose(() => unread.opened(null));

  const conversation = computed(() => query.result.value?.conversation ?? null);
  const title = computed(() => (conversation.value ? conversationName(conversation.value, user.value?.id) : ''));

  const items = computed<TimelineItem[]>(() => {
    const me = user.value?.id;
    const stored = conversation.value?.messages.edges.map((edge) => edge.node) ?? [];
    const confirmed = new Set(stored.filter((message) => message.sender.id === me).map((message) => message.clientId));
    const pending = [...outbox.values()].filter((entry) => entry.conversationId === conversationId.value && !confirmed.has(entry.clientId));
    return [...stored.map((message) => fromMessage(message, me)), ...pending.map(fromOutgoing)];
  });

  async function loadOlder(): Promise<void> {
    const page = conversation.value?.messages.pageInfo;
    if (!page?.hasPreviousPage || !page.startCursor || loadingOlder.value) return;
    loadingOlder.value = true;
    try {
      await query.fetchMore({ variables: { id: conversationId.value, first: PAGE_SIZE, before: page.startCursor } });
    } finally {
      loadingOlder.value = false;
    }
  }

  async function deliver(entry: OutgoingMessage): Promise<void> {
    entry.state = 'sending';
    entry.error = null;
    try {
      const { data } = await client.mutate({
        mutation: SendMessageDocument,
        variables: { input: { conversationId: entry.conversationId, clientId: entry.clientId, text: entry.text } },
      });
      if (data) applyMessage(client.cache, data.sendMessage);
      outbox.delete(entry.clientId);
    } catch (error) {
      // Still ours to retry, unless the live event already brought the server's copy.
      const current = outbox.get(entry.clientId);
      if (current) {
        current.state = 'failed';
        current.error = toFailure(error).message;
      }
    }
  }

  /** Shows the message at once as "Sending…" and sends it. */
  function send(text: string): SendRefusal | null {
    const body = text.trim(); // the server trims too, so the optimistic row matches what is stored
    if (!body) return 'empty';
    if (!conversation.value) return 'not-loaded';
    const entry: OutgoingMessage = {
      clientId: newClientId(),
      conversationId: conversationId.value,
      text: body,
      createdAt: new Date().toISOString(),
      state: 'sending',
      error: null,
    };
    outbox.set(entry.clientId, entry);
    void deliver(outbox.get(entry.clientId)!);
    return null;
  }

  /** Sends a failed message again with the same clientId: the server stores it at most once. */
  function retry(clientId: string): void {
    const entry = outbox.get(clientId);
    if (entry && entry.state === 'failed') void deliver(entry);
  }

  return {
    conversation,
    title,
    items,
    loading: computed(() => query.loading.value && !conversation.value),
    failure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
    missing: computed(() => !query.loading.value && !query.error.value && query.result.value?.conversation === null),
    hasOlder: computed(() => conversation.value?.messages.pageInfo.hasPreviousPage ?? false),
    loadingOlder,
    loadOlder,
    send,
    retry,
    reload: () => query.refetch(),
  };
}

function fromMessage(message: MessageFieldsFragment, me: string | undefined): TimelineItem {
  const mine = message.sender.id === me;
  return {
    key: mine ? `mine:${message.clientId}` : message.id,
    clientId: message.clientId,
    text: message.text ?? '',
    senderName: mine ? 'You' : message.sender.displayName,
    mine,
    createdAt: message.createdAt,
    state: 'sent',
    error: null,
  };
}

function fromOutgoing(entry: OutgoingMessage): TimelineItem {
  return {
    key: `mine:${entry.clientId}`,
    clientId: entry.clientId,
    text: entry.text,
    senderName: 'You',
    mine: true,
    createdAt: entry.createdAt,
    state: entry.state,
    error: entry.error,
  };
}
