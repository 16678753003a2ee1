import { useApolloClient, useQuery } from '@vue/apollo-composable';
import { computed } from 'vue';
import { MediaLimitsDocument } from '../../graphql/generated/graphql';
import { acceptOf, toKindRules, type KindRules } from './mediaRules';

/**
 * What the server accepts (types and sizes per kind), asked for once and then read from the
 * cache: they change with a deployment, not while a page is open.
 */
export function useMediaLimits() {
  const client = useApolloClient().resolveClient();
  const query = useQuery(MediaLimitsDocument, null, { fetchPolicy: 'cache-first' });
  const rules = computed<KindRules | null>(() => (query.result.value ? toKindRules(query.result.value.mediaLimits) : null));

  /** The limits if they are already here, without waiting (a file is then checked in the same tick). */
  function current(): KindRules | null {
    const cached = client.readQuery({ query: MediaLimitsDocument });
    return cached ? toKindRules(cached.mediaLimits) : null;
  }

  /** The limits, asked for again if they are not here yet (one request is shared); null when they cannot be had. */
  async function load(): Promise<KindRules | null> {
    return (
      current() ??
      client.query({ query: MediaLimitsDocument, fetchPolicy: 'cache-first' }).then(
        ({ data }) => toKindRules(data.mediaLimits),
        () => null,
      )
    );
  }

  return {
    /** Null until they have loaded. */
    rules,
    /**
     * Being asked for the first time: the file picker waits. A failed request does not hold it
     * back: files are then checked once the limits can be had (`load`).
     */
    pending: computed(() => rules.value === null && query.loading.value),
    /** The file picker's `accept`; empty (anything) until the limits are here. */
    accept: computed(() => (rules.value ? acceptOf(rules.value) : '')),
    current,
    load,
  };
}
