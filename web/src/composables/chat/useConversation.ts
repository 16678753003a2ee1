import { useApolloClient, useQuery } from '@vue/apollo-composable';
import { computed, onScopeDispose, ref, watch, type Ref } from 'vue';
import { isTransient, toFailure, type Failure } from '../../graphql/errors';
import {
  ConversationMembersDocument,
  ConversationMessagesDocument,
  MarkReadDocument,
  SendMessageDocument,
  type MediaFieldsFragment,
  type MemberFieldsFragment,
  type MessageFieldsFragment,
  type MessageStatus,
} from '../../graphql/generated/graphql';
import { useOnline } from '../app/useConnectivity';
import { useSession } from '../auth/useSession';
import { conversationName } from './conversationDisplay';
import { applyMessage, applyReceipt } from './messageCache';
import { useMediaProcessed } from '../media/useMediaProcessed';
import { inOrder, newClientId, outbox, type OutgoingAttachment, type OutgoingMessage, type QuotedMessage } from './outbox';
import { useUnread } from './useUnread';

const PAGE_SIZE = 30;
/** Presence has no subscription: the open conversation's members are looked at again this often. */
const MEMBERS_POLL_MS = 30_000;
/** Reading is reported once the view settles, not for every message of a burst. */
const READ_DEBOUNCE_MS = 300;

/** One row of the message list: a stored message, or one of ours on its way. */
export interface TimelineItem {
  /** Stable across "sending" → "sent", so the row is updated in place, never added twice. */
  key: string;
  /** The stored message's id; null while ours is on its way. */
  id: string | null;
  clientId: string;
  text: string;
  senderId: string;
  senderName: string;
  mine: boolean;
  createdAt: string;
  state: 'sent' | 'sending' | 'failed';
  error: string | null;
  /** Ours, sending again by itself after a refusal that passes (too fast, a moment's outage). */
  notice: string | null;
  edited: boolean;
  deleted: boolean;
  /** For our own messages: whether every other member has it, and has read it. */
  status: MessageStatus;
  replyTo: QuotedMessage | null;
  reactions: MessageFieldsFragment['reactions'];
  /** The stored message's files, as the server describes them. */
  attachments: MediaFieldsFragment[];
  /** Ours on their way: the uploaded files, shown from the local copies. */
  pendingAttachments: OutgoingAttachment[];
}

/** What `send` refused to do; it never throws. */
export type SendRefusal = 'empty';

/** How often a send refused for a passing reason goes again by itself before it shows Retry. */
const AUTO_RETRIES = 6;

/** Why a message written while its conversation loaded was not sent, when the answer was "no such conversation". */
const MISSING = 'This conversation does not exist, or you are not in it.';

/**
 * One conversation: its history (newest page first, older pages on demand), and sending with
 * an optimistic row per message that the server's copy replaces by clientId. Messages go out one
 * after another, in the order written, and only once the history has loaded.
 */
export function useConversation(conversationId: Ref<string>) {
  const client = useApolloClient().resolveClient();
  const { user } = useSession();
  const unread = useUnread();
  const query = useQuery(ConversationMessagesDocument, () => ({ id: conversationId.value, first: PAGE_SIZE }));
  // Members (presence, roles, receipt cursors), fetched on opening and polled: the cache shares them.
  useQuery(ConversationMembersDocument, () => ({ id: conversationId.value }), {
    fetchPolicy: 'network-only',
    pollInterval: MEMBERS_POLL_MS,
  });
  const loadingOlder = ref(false);
  useOnline().whenBackOnline(() => void query.refetch());
  // Files of this conversation switch from "Processing…" to their thumbnails live.
  useMediaProcessed(conversationId, () =>
    (conversation.value?.messages.edges ?? [])
      .map((edge) => edge.node)
      .filter((message) => message.attachments.some((media) => media.status === 'UPLOADING' || media.status === 'PROCESSING'))
      .map((message) => message.id),
  );

  watch(conversationId, (id) => unread.opened(id), { immediate: true });
  onScopeDispose(() => unread.opened(null));

  const conversation = computed(() => query.result.value?.conversation ?? null);
  /** The history of the conversation asked for is here (after a switch the previous one's stays until it is). */
  const ready = computed(() => conversation.value?.id === conversationId.value);
  const failure = computed(() => (query.error.value ? toFailure(query.error.value) : null));
  const missing = computed(() => !query.loading.value && !query.error.value && query.result.value?.conversation === null);
  const title = computed(() => (conversation.value ? conversationName(conversation.value, user.value?.id) : ''));
  const members = computed(() => conversation.value?.members ?? []);
  const me = computed(() => members.value.find((member) => member.user.id === user.value?.id) ?? null);

  const items = computed<TimelineItem[]>(() => {
    const viewer = user.value?.id;
    const stored = (conversation.value?.messages.edges.map((edge) => edge.node) ?? []).filter((message) => !message.hiddenForMe);
    const confirmed = new Set(stored.filter((message) => message.sender.id === viewer).map((message) => message.clientId));
    const pending = [...outbox.values()].filter((entry) => entry.conversationId === conversationId.value && !confirmed.has(entry.clientId));
    const others = members.value.filter((member) => member.user.id !== viewer);
    return [...stored.map((message) => fromMessage(message, viewer, others)), ...pending.map((entry) => fromOutgoing(entry, viewer ?? ''))];
  });

  // Read receipts: the newest message counts as read while it is open and the tab is visible.
  const newestSeq = computed(() => conversation.value?.messages.edges.at(-1)?.node.seq ?? 0);
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  watch(
    [newestSeq, unread.visible, () => me.value?.lastReadSeq ?? 0, conversationId],
    () => {
      clearTimeout(readTimer);
      readTimer = setTimeout(markRead, READ_DEBOUNCE_MS);
    },
    { immediate: true },
  );
  onScopeDispose(() => clearTimeout(readTimer));

  function markRead(): void {
    const id = conversationId.value;
    const seq = newestSeq.value;
    if (!unread.reading(id) || !me.value || seq === 0) return;
    if (me.value.lastReadSeq >= seq) {
      unread.read(id, me.value.lastReadSeq);
      return;
    }
    client
      .mutate({ mutation: MarkReadDocument, variables: { conversationId: id, seq } })
      .then(() => {
        applyReceipt(client.cache, { conversationId: id, userId: me.value?.user.id ?? '', kind: 'READ', seq });
        unread.read(id, seq);
      })
      .catch(() => undefined); // the next message or visit tries again
  }

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

  /** Loads the conversation again; a failure shows through `failure`. */
  async function reload(): Promise<void> {
    await query.refetch()?.catch(() => undefined);
  }

  /** Ours in conversation `id` written before it had loaded, in the order written. */
  function waitingIn(id: string): OutgoingMessage[] {
    return [...outbox.values()].filter((entry) => entry.conversationId === id && entry.state === 'waiting');
  }

  /** Puts the message in its conversation's queue: it goes once those written before it have. */
  function queue(entry: OutgoingMessage): void {
    entry.state = 'sending';
    entry.error = null;
    void inOrder(entry.conversationId, () => deliver(entry));
  }

  /**
   * What was written before the history loaded goes once it has: after it, so the server's copy
   * has a place in the cached history and the row never vanishes between the send's answer and
   * the history's. When the conversation cannot be loaded, those messages fail with the reason.
   */
  function settle(): void {
    const waiting = waitingIn(conversationId.value);
    const reason = failure.value?.message ?? (missing.value ? MISSING : null);
    for (const entry of waiting) {
      if (ready.value) queue(entry);
      else if (reason) {
        entry.state = 'failed';
        entry.error = reason;
      }
    }
  }
  watch([ready, failure, missing], settle);

  // Left while some still wait (another conversation, or the page went): they go now rather than
  // wait for a visit that may never come. Nothing of them is on screen, so none can vanish from it.
  watch(conversationId, (_now, left) => waitingIn(left).forEach(queue));
  onScopeDispose(() => waitingIn(conversationId.value).forEach(queue));

  /**
   * Sends the entry; a refusal that passes (RATE_LIMITED, SERVICE_UNAVAILABLE, no network) is
   * sent again by itself with the same clientId — after the server's retryAfterSeconds, else
   * after 1, 2, 4 … 15 s — keeping its place in the conversation's queue, so what was written
   * after it still goes after it. Only past AUTO_RETRIES, or on any other refusal, is it failed.
   */
  async function deliver(entry: OutgoingMessage): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await deliverOnce(entry);
      const current = outbox.get(entry.clientId);
      if (outcome === null || !current) return;
      if (!isTransient(outcome) || attempt >= AUTO_RETRIES) {
        current.state = 'failed';
        current.notice = null;
        current.error = outcome.message;
        return;
      }
      const seconds = outcome.retryAfterSeconds ?? Math.min(2 ** attempt, 15);
      for (let left = seconds; left > 0; left--) {
        current.notice =
          outcome.code === 'RATE_LIMITED' ? `Slow down — sending again in ${left} s` : `Not sent yet — trying again in ${left} s`;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (outbox.get(entry.clientId) !== current) return;
      }
      current.notice = null;
    }
  }

  /** One attempt: null when it went through (or is no longer ours to send), else why not. */
  async function deliverOnce(entry: OutgoingMessage): Promise<Failure | null> {
    // Gone while it waited its turn: its live copy came first, or the person signed out.
    if (outbox.get(entry.clientId) !== entry) return null;
    try {
      const { data } = await client.mutate({
        mutation: SendMessageDocument,
        variables: {
          input: {
            conversationId: entry.conversationId,
            clientId: entry.clientId,
            ...(entry.text ? { text: entry.text } : {}),
            ...(entry.attachments.length ? { mediaIds: entry.attachments.map((attachment) => attachment.mediaId) } : {}),
            ...(entry.replyTo ? { replyToId: entry.replyTo.id } : {}),
          },
        },
      });
      if (data) applyMessage(client.cache, data.sendMessage);
      outbox.delete(entry.clientId);
      return null;
    } catch (error) {
      // Still ours to retry, unless the live event already brought the server's copy.
      return toFailure(error);
    }
  }

  /**
   * Shows the message at once as "Sending…" and sends it, as a reply to `replyTo` when given, with
   * files already uploaded (useAttachments); text is optional when there are files. Written before
   * the conversation has loaded, it waits for it (see `settle`).
   */
  function send(text: string, replyTo: QuotedMessage | null = null, attachments: OutgoingAttachment[] = []): SendRefusal | null {
    const body = text.trim(); // the server trims too, so the optimistic row matches what is stored
    if (!body && attachments.length === 0) return 'empty';
    const entry: OutgoingMessage = {
      clientId: newClientId(),
      conversationId: conversationId.value,
      text: body,
      createdAt: new Date().toISOString(),
      state: 'waiting',
      error: null,
      notice: null,
      replyTo,
      attachments,
    };
    outbox.set(entry.clientId, entry);
    settle();
    return null;
  }

  /**
   * Sends a failed message again with the same clientId: the server stores it at most once. While
   * the conversation has not loaded, it loads it again and the message waits for it once more.
   */
  function retry(clientId: string): void {
    const entry = outbox.get(clientId);
    if (!entry || entry.state !== 'failed') return;
    entry.state = 'waiting';
    entry.error = null;
    if (!ready.value && !query.loading.value) void reload();
    settle();
  }

  return {
    conversation,
    title,
    items,
    members,
    myRole: computed(() => conversation.value?.myRole ?? 'MEMBER'),
    loading: computed(() => query.loading.value && !conversation.value),
    failure,
    missing,
    hasOlder: computed(() => conversation.value?.messages.pageInfo.hasPreviousPage ?? false),
    loadingOlder,
    loadOlder,
    send,
    retry,
    reload,
  };
}

const STATUS_ORDER: MessageStatus[] = ['SENT', 'DELIVERED', 'READ'];

/**
 * The server's status for our message, moved on by the receipts heard since it was loaded:
 * READ (or DELIVERED) once every other member's cursor has reached it.
 */
function statusOf(message: MessageFieldsFragment, others: MemberFieldsFragment[]): MessageStatus {
  let seen: MessageStatus = 'SENT';
  if (others.length > 0 && others.every((member) => member.lastReadSeq >= message.seq)) seen = 'READ';
  else if (others.length > 0 && others.every((member) => member.lastDeliveredSeq >= message.seq)) seen = 'DELIVERED';
  return STATUS_ORDER.indexOf(seen) > STATUS_ORDER.indexOf(message.status) ? seen : message.status;
}

function fromMessage(message: MessageFieldsFragment, viewer: string | undefined, others: MemberFieldsFragment[]): TimelineItem {
  const mine = message.sender.id === viewer;
  const quoted = message.replyTo;
  return {
    key: mine ? `mine:${message.clientId}` : message.id,
    id: message.id,
    clientId: message.clientId,
    text: message.text ?? '',
    senderId: message.sender.id,
    senderName: mine ? 'You' : message.sender.displayName,
    mine,
    createdAt: message.createdAt,
    state: 'sent',
    error: null,
    notice: null,
    edited: Boolean(message.editedAt) && !message.deletedAt,
    deleted: Boolean(message.deletedAt),
    status: mine ? statusOf(message, others) : message.status,
    replyTo: quoted
      ? {
          id: quoted.id,
          senderName: quoted.sender.id === viewer ? 'You' : quoted.sender.displayName,
          text: quoted.deletedAt ? null : (quoted.text ?? null),
        }
      : null,
    reactions: message.reactions,
    attachments: message.attachments,
    pendingAttachments: [],
  };
}

function fromOutgoing(entry: OutgoingMessage, viewer: string): TimelineItem {
  return {
    key: `mine:${entry.clientId}`,
    id: null,
    clientId: entry.clientId,
    text: entry.text,
    senderId: viewer,
    senderName: 'You',
    mine: true,
    createdAt: entry.createdAt,
    state: entry.state === 'failed' ? 'failed' : 'sending',
    error: entry.error,
    notice: entry.notice,
    edited: false,
    deleted: false,
    status: 'SENT',
    replyTo: entry.replyTo,
    reactions: [],
    attachments: [],
    pendingAttachments: entry.attachments,
  };
}
