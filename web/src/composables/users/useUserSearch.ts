import { useQuery } from '@vue/apollo-composable';
import { computed, type Ref } from 'vue';
import { toFailure } from '../../graphql/errors';
import { SearchUsersDocument, type UserSummaryFragment } from '../../graphql/generated/graphql';
import { refDebounced } from '../app/refDebounced';
import { useSession } from '../auth/useSession';

/** People matching what is typed (the viewer left out), looked up once typing pauses. */
export function useUserSearch(text: Ref<string>) {
  const { user } = useSession();
  const settled = refDebounced(text, 250);
  const query = useQuery(
    SearchUsersDocument,
    () => ({ query: settled.value.trim(), first: 20 }),
    () => ({
      enabled: settled.value.trim().length > 0,
      fetchPolicy: 'network-only',
    }),
  );
  return {
    results: computed<UserSummaryFragment[]>(() =>
      settled.value.trim() ? (query.result.value?.searchUsers ?? []).filter((person) => person.id !== user.value?.id) : [],
    ),
    searching: computed(() => query.loading.value || text.value !== settled.value),
    failure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
  };
}
