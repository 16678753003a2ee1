import { useQuery } from '@vue/apollo-composable';
import { computed } from 'vue';
import { toFailure } from '../../graphql/errors';
import { ConversationsDocument, type ConversationSummaryFragment } from '../../graphql/generated/graphql';
import { useOnline } from '../app/useConnectivity';
import { useSession } from '../auth/useSession';
import { conversationName } from './conversationDisplay';
import { useUnread } from './useUnread';

/** The list's page size; the live-update code reads and writes the same cache entry. */
export const CONVERSATION_LIST_VARIABLES = { first: 50 } as const;

export interface ConversationListItem {
  id: string;
  name: string;
  kind: ConversationSummaryFragment['kind'];
  /** "You: …", "Ann: …" in groups, or the text alone in a direct chat. */
  preview: string | null;
  activityAt: string;
  unread: number;
}

/** The signed-in user's conversations, newest activity first, kept current by live events. */
export function useConversations() {
  const { user } = useSession();
  const unread = useUnread();
  const query = useQuery(ConversationsDocument, CONVERSATION_LIST_VARIABLES);
  useOnline().whenBackOnline(() => void query.refetch());

  const conversations = computed<ConversationListItem[]>(() => {
    const nodes = query.result.value?.conversations.edges.map((edge) => edge.node) ?? [];
    return nodes
      .map((conversation) => {
        const last = conversation.lastMessage;
        const from = !last
          ? ''
          : last.sender.id === user.value?.id
            ? 'You: '
            : conversation.kind === 'DIRECT'
              ? ''
              : `${last.sender.displayName}: `;
        return {
          id: conversation.id,
          name: conversationName(conversation, user.value?.id),
          kind: conversation.kind,
          preview: last ? `${from}${last.text ?? 'Message deleted'}` : null,
          activityAt: conversation.lastMessageAt ?? conversation.createdAt,
          unread: unread.count(conversation.id),
        };
      })
      .sort((a, b) => b.activityAt.localeCompare(a.activityAt));
  });

  return {
    conversations,
    loading: computed(() => query.loading.value && !query.result.value),
    failure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
    retry: () => query.refetch(),
  };
}
