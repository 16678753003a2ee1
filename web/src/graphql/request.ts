import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { fromGraphQLError, RequestFailure } from './errors';

/** The router's HTTP endpoint, on the origin that served the app. */
export const GRAPHQL_PATH = '/graphql';

/**
 * One operation over HTTP, outside Apollo: the session's own calls (register, login, refresh,
 * logout) go through here, so that renewing a token never waits on the link that needs it.
 * @throws RequestFailure with the first GraphQL error, or NETWORK when the server is not reached
 */
export async function request<TData, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  /** The Authorization value, for the few calls made outside Apollo on the user's behalf (push subscriptions). */
  authorization?: string,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query: print(document), variables }),
    });
  } catch {
    throw new RequestFailure({ code: 'NETWORK', message: 'ChirpChat cannot be reached. Check your connection and try again.' });
  }
  const body = (await response.json().catch(() => null)) as { data?: TData | null; errors?: GraphQLFormattedError[] } | null;
  const error = body?.errors?.[0];
  if (error) throw new RequestFailure(fromGraphQLError(error));
  if (!body?.data) {
    throw new RequestFailure({ code: 'INTERNAL_SERVER_ERROR', message: `ChirpChat answered ${response.status} without data. Try again.` });
  }
  return body.data;
}
