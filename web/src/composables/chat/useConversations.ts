import { useQuery } from '@vue/apollo-composable';
import { computed } from 'vue';
import { toFailure } from '../../graphql/errors';
import { ConversationsDocument, type ConversationSummaryFragment, type MediaKind } from '../../graphql/generated/graphql';
import { useOnline } from '../app/useConnectivity';
import { useSession } from '../auth/useSession';
import { conversationName } from './conversationDisplay';

/** The list's page size; the live-update code reads and writes the same cache entry. */
export const CONVERSATION_LIST_VARIABLES = { first: 50 } as const;

export interface ConversationListItem {
  id: string;
  name: string;
  kind: ConversationSummaryFragment['kind'];
  /** "You: …", "Ann: …" in groups, or the text alone in a direct chat. */
  preview: string | null;
  activityAt: string;
  /** The server's count of messages after the viewer's read cursor, kept live in the cache. */
  unread: number;
  /** In a direct chat, the other person (for the presence dot). */
  peer: ConversationSummaryFragment['members'][number]['user'] | null;
}

/** The signed-in user's conversations, newest activity first, kept current by live events. */
export function useConversations() {
  const { user } = useSession();
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
          preview: last ? `${from}${messagePreview(last)}` : null,
          activityAt: conversation.lastMessageAt ?? conversation.createdAt,
          unread: conversation.unreadCount,
          peer:
            conversation.kind === 'DIRECT'
              ? (conversation.members.find((member) => member.user.id !== user.value?.id)?.user ?? null)
              : null,
        };
      })
      .sort((a, b) => b.activityAt.localeCompare(a.activityAt));
  });

  return {
    conversations,
    totalUnread: computed(() => conversations.value.reduce((sum, conversation) => sum + conversation.unread, 0)),
    loading: computed(() => query.loading.value && !query.result.value),
    failure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
    retry: () => query.refetch(),
  };
}

/** What the list shows of a message: its text, else what it carries ("Photo", "2 files"). */
function messagePreview(message: { text: string | null; deletedAt: string | null; attachments: Array<{ kind: MediaKind }> }): string {
  if (message.deletedAt) return 'Message deleted';
  if (message.text) return message.text;
  const [first] = message.attachments;
  if (!first) return message.text ?? 'Message deleted';
  if (message.attachments.length === 1) return { IMAGE: 'Photo', VIDEO: 'Video', AUDIO: 'Audio', DOCUMENT: 'File' }[first.kind];
  return `${message.attachments.length} files`;
}
