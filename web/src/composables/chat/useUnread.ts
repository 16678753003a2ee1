import { useApolloClient } from '@vue/apollo-composable';
import { ref } from 'vue';
import { updateUnread } from './messageCache';

/*
 * Unread counts are the server's `Conversation.unreadCount` (messages after the viewer's read
 * cursor), held in the Apollo cache: a message from someone else adds one unless it is being
 * read as it arrives, and marking read lowers it. The list and the tab title read the cache.
 */
const openConversationId = ref<string | null>(null);
const visible = ref(document.visibilityState === 'visible');
document.addEventListener('visibilitychange', () => (visible.value = document.visibilityState === 'visible'));

export function useUnread() {
  const client = useApolloClient().resolveClient();
  const reading = (conversationId: string) => conversationId === openConversationId.value && visible.value;
  return {
    /** The conversation on screen; its messages are read as they arrive while the tab is visible. */
    openConversationId,
    /** Whether the tab is visible: the open conversation is read only then. */
    visible,
    reading,
    /** A message from someone else arrived in `conversationId`. */
    arrived(conversationId: string) {
      if (!reading(conversationId)) updateUnread(client.cache, conversationId, (count) => count + 1);
    },
    /** The viewer read `conversationId` up to `seq`. */
    read(conversationId: string, seq: number) {
      updateUnread(client.cache, conversationId, (count, lastSeq) => (seq >= lastSeq ? 0 : Math.min(count, lastSeq - seq)));
    },
    opened(conversationId: string | null) {
      openConversationId.value = conversationId;
    },
  };
}
