import { useApolloClient, useQuery } from '@vue/apollo-composable';
import { computed } from 'vue';
import { toFailure } from '../../graphql/errors';
import { MySessionsDocument, RevokeSessionDocument, type MySessionsQuery } from '../../graphql/generated/graphql';
import { useAction } from '../app/useAction';

export type SignedInSession = MySessionsQuery['mySessions'][number];

/** The devices signed in to the account, and signing one of them out (its tokens and sockets stop at once). */
export function useSecuritySessions() {
  const client = useApolloClient().resolveClient();
  const query = useQuery(MySessionsDocument, {}, { fetchPolicy: 'network-only' });
  const { failure, busy, run } = useAction();
  return {
    sessions: computed<SignedInSession[]>(() => query.result.value?.mySessions ?? []),
    loading: query.loading,
    loadFailure: computed(() => (query.error.value ? toFailure(query.error.value) : null)),
    failure,
    busy,
    revoke: (id: string) =>
      run(async () => {
        await client.mutate({ mutation: RevokeSessionDocument, variables: { id } });
        await query.refetch();
      }),
  };
}

/** A short name for the device behind a User-Agent: browser and system, as far as it tells. */
export function deviceName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\/|Chromium\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const system = /iPhone|iPad/.test(userAgent)
    ? 'iOS'
    : /Android/.test(userAgent)
      ? 'Android'
      : /Mac OS X/.test(userAgent)
        ? 'macOS'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}
