import { useApolloClient } from '@vue/apollo-composable';
import { ref } from 'vue';
import { toFailure, type Failure } from '../../graphql/errors';
import { ConversationsDocument, CreateConversationDocument, type UserSummaryFragment } from '../../graphql/generated/graphql';

/** Starting a direct chat or a group; resolves to the conversation's id, or the failure. */
export function useStartConversation() {
  const client = useApolloClient().resolveClient();
  const busy = ref(false);

  async function create(input: { kind: 'DIRECT' | 'GROUP'; memberIds: string[]; title?: string }): Promise<{ id: string } | Failure> {
    busy.value = true;
    try {
      const { data } = await client.mutate({
        mutation: CreateConversationDocument,
        variables: { input },
        refetchQueries: [ConversationsDocument],
      });
      return { id: data!.createConversation.id };
    } catch (error) {
      return toFailure(error);
    } finally {
      busy.value = false;
    }
  }

  return {
    busy,
    /** A DIRECT conversation with the same person returns the existing one (API.md). */
    direct: (person: UserSummaryFragment) => create({ kind: 'DIRECT', memberIds: [person.id] }),
    group: (title: string, people: UserSummaryFragment[]) =>
      create({ kind: 'GROUP', memberIds: people.map((person) => person.id), ...(title.trim() ? { title: title.trim() } : {}) }),
  };
}
