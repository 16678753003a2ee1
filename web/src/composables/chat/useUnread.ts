import { computed, reactive, ref } from 'vue';

/*
 * Unread counts kept by the client: messages from other people that arrived (live, or in a
 * catch-up after a reconnect) while their conversation was not open; opening it resets the
 * count. They start at zero on every page load. The API has no `unreadCount` yet: it comes with
 * the receipts issue (server-side read cursors), and then the list shows
 * `Conversation.unreadCount` and this store goes away.
 */
const counts = reactive(new Map<string, number>());
const openConversationId = ref<string | null>(null);

// Coming back to the tab reads what arrived in the open conversation meanwhile.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && openConversationId.value) counts.delete(openConversationId.value);
});

export function useUnread() {
  return {
    /** The conversation on screen; its messages are read as they arrive. */
    openConversationId,
    count: (conversationId: string) => counts.get(conversationId) ?? 0,
    total: computed(() => [...counts.values()].reduce((sum, n) => sum + n, 0)),
    /** A message from someone else arrived in `conversationId`. */
    arrived(conversationId: string) {
      if (conversationId === openConversationId.value && document.visibilityState === 'visible') return;
      counts.set(conversationId, (counts.get(conversationId) ?? 0) + 1);
    },
    opened(conversationId: string | null) {
      openConversationId.value = conversationId;
      if (conversationId) counts.delete(conversationId);
    },
    clear: () => counts.clear(),
  };
}
