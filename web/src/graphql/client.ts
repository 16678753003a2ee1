import { ApolloClient, from, HttpLink, split, type NormalizedCacheObject } from '@apollo/client/core';
import { setContext } from '@apollo/client/link/context';
import { onError } from '@apollo/client/link/error';
import { getMainDefinition } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import type { RealtimeTransport } from '../realtime/transport';
import { createCache } from './cache';
import { GRAPHQL_PATH } from './request';

export interface ApolloClientOptions {
  transport: RealtimeTransport;
  /** The Authorization value for the next request (refreshed first when close to expiry). */
  authorization(): Promise<string | undefined>;
  /** The server refused the token: refresh it, or end the session when that fails too. */
  onUnauthenticated(): void;
}

/**
 * Queries and mutations go over HTTP with the access token; subscriptions go to the realtime
 * transport, which authenticates its own connection.
 */
export function createApolloClient(options: ApolloClientOptions): ApolloClient<NormalizedCacheObject> {
  const withToken = setContext(async (_operation, { headers }) => {
    const authorization = await options.authorization();
    return { headers: { ...headers, ...(authorization ? { authorization } : {}) } };
  });
  const reportRefusedToken = onError(({ graphQLErrors }) => {
    if (graphQLErrors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED')) options.onUnauthenticated();
  });
  const http = from([withToken, new HttpLink({ uri: GRAPHQL_PATH })]);
  const isSubscription = ({ query }: { query: Parameters<typeof getMainDefinition>[0] }) => {
    const definition = getMainDefinition(query);
    return definition.kind === 'OperationDefinition' && definition.operation === OperationTypeNode.SUBSCRIPTION;
  };
  return new ApolloClient({
    link: from([reportRefusedToken, split(isSubscription, options.transport.link, http)]),
    cache: createCache(),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first', errorPolicy: 'none' },
    },
  });
}
