import { ROUTER_SECRET_HEADER } from '@chirpchat/kit';

export interface UserDirectoryOptions {
  /** The users subgraph's GraphQL endpoint. */
  usersUrl: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

const ENTITIES_QUERY = 'query($r:[_Any!]!){ _entities(representations:$r){ ... on User { id } } }';

/**
 * Asks the users subgraph which user ids exist. Chat never reads the users tables; it calls
 * `_entities` the way the router would, as the caller (their token), so the users subgraph
 * applies its own rules.
 */
export class UserDirectoryService {
  constructor(private readonly options: UserDirectoryOptions) {}

  /** The ids among `ids` that name no user, in the order given. */
  async unknownIds(ids: readonly string[], authorization: string | null): Promise<string[]> {
    if (ids.length === 0) return [];
    const response = await fetch(this.options.usersUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ROUTER_SECRET_HEADER]: this.options.routerSecret,
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ query: ENTITIES_QUERY, variables: { r: ids.map((id) => ({ __typename: 'User', id })) } }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const body = (await response.json().catch(() => null)) as { data?: { _entities?: Array<{ id?: string } | null> | null } } | null;
    const entities = body?.data?._entities;
    if (!response.ok || !Array.isArray(entities) || entities.length !== ids.length) {
      throw new Error(`The users subgraph did not answer the user lookup (HTTP ${response.status}).`);
    }
    return ids.filter((_id, index) => !entities[index]?.id);
  }
}
