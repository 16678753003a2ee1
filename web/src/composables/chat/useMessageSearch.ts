import { useQuery } from '@vue/apollo-composable';
import { computed, type Ref } from 'vue';
import { toFailure } from '../../graphql/errors';
import { SearchMessagesDocument } from '../../graphql/generated/graphql';
import { refDebounced } from '../app/refDebounced';
import { useSession } from '../auth/useSession';
import { useConversations } from './useConversations';

export interface MessageSearchResult {
  id: string;
  conversationId: string;
  conversationName: string;
  senderName: string;
  text: string;
  createdAt: string;
}

/** Messages in all the viewer's conversations matching what is typed, looked up once typing pauses. */
export function useMessageSearch(text: Ref<string>) {
  const { user } = useSession();
  const { conversations } = useConversations();
  const settled = refDebounced(text, 300);
  const query = useQuery(
    SearchMessagesDocument,
    () => ({ query: settled.value.trim(), first: 20 }),
    () => ({ enabled: settled.value.trim().length > 0, fetchPolicy: 'network-only' }),
  );
  const names = computed(() => new Map(conversations.value.map((conversation) => [conversation.id, conversation.name])));
  return {
    results: computed<MessageSearchResult[]>(() =>
      settled.value.trim()
        ? (query.result.value?.searchMessages ?? [])
            .filter((message) => !message.deletedAt && !message.hiddenForMe)
            .map((message) => ({
              id: message.id,
              conversationId: message.conversationId,
              conversationName: names.value.get(message.conversationId) ?? 'Conversation',
              senderName: message.sender.id === user.value?.id ? 'You' : message.sender.displayName,
              text: message.text ?? '',
              createdAt: message.createdAt,
            }))
        : [],
    ),
    searched: computed(() => settled.value.trim().length > 0 && !query.loading.value && text.value === settled.value),
    failure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
  };
}
