import { DefaultApolloClient } from '@vue/apollo-composable';
import { watch, type App } from 'vue';
import { authorization, refreshSession, useSession } from '../composables/auth/useSession';
import { createApolloClient } from '../graphql/client';
import { GRAPHQL_PATH } from '../graphql/request';
import { createGraphQLWsTransport } from '../realtime/graphqlWsTransport';
import { RealtimeKey } from '../realtime/inject';

/** Installs the Apollo client (for @vue/apollo-composable) and the realtime transport under it. */
export function install(app: App): void {
  const url = new URL(GRAPHQL_PATH, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const transport = createGraphQLWsTransport({ url: url.toString(), authorization });
  const client = createApolloClient({
    transport,
    authorization: () => authorization(),
    onUnauthenticated: () => void refreshSession(),
  });
  // Another person's data must not outlive their session in this tab.
  const { user } = useSession();
  watch(
    () => user.value?.id,
    (now, before) => {
      if (before && now !== before) void client.clearStore();
    },
  );
  app.provide(DefaultApolloClient, client);
  app.provide(RealtimeKey, transport);
}
