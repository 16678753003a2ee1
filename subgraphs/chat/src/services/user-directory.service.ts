import { ROUTER_SECRET_HEADER } from '@chirpchat/kit';

export interface UserDirectoryOptions {
  /** The users subgraph's GraphQL endpoint. */
  usersUrl: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

/** A registered user, as far as chat needs to know one. */
export interface DirectoryUser {
  id: string;
  username: string;
}

const ENTITIES_QUERY = 'query($r:[_Any!]!){ _entities(representations:$r){ ... on User { id } } }';
const BY_USERNAMES_QUERY = 'query($u:[String!]!){ usersByUsernames(usernames:$u){ id username } }';

/**
 * Asks the users subgraph about users. Chat never reads the users tables; it calls the users
 * subgraph the way the router would, as the caller (their token), so the users subgraph
 * applies its own rules.
 */
export class UserDirectoryService {
  constructor(private readonly options: UserDirectoryOptions) {}

  /** The ids among `ids` that name no user, in the order given. */
  async unknownIds(ids: readonly string[], authorization: string | null): Promise<string[]> {
    if (ids.length === 0) return [];
    const data = await this.ask<{ _entities?: Array<{ id?: string } | null> | null }>(
      ENTITIES_QUERY,
      { r: ids.map((id) => ({ __typename: 'User', id })) },
      authorization,
    );
    const entities = data?._entities;
    if (!Array.isArray(entities) || entities.length !== ids.length) throw new Error('The users subgraph did not answer the user lookup.');
    return ids.filter((_id, index) => !entities[index]?.id);
  }

  /** The registered users among these usernames (at most 50; the users subgraph refuses more). */
  async byUsernames(usernames: readonly string[], authorization: string | null): Promise<DirectoryUser[]> {
    if (usernames.length === 0) return [];
    const data = await this.ask<{ usersByUsernames?: DirectoryUser[] | null }>(BY_USERNAMES_QUERY, { u: usernames }, authorization);
    const users = data?.usersByUsernames;
    if (!Array.isArray(users)) throw new Error('The users subgraph did not answer the username lookup.');
    return users;
  }

  private async ask<T>(query: string, variables: Record<string, unknown>, authorization: string | null): Promise<T | null> {
    const response = await fetch(this.options.usersUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ROUTER_SECRET_HEADER]: this.options.routerSecret,
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const body = (await response.json().catch(() => null)) as { data?: T | null; errors?: unknown[] } | null;
    if (!response.ok || !body?.data || body.errors) {
      throw new Error(`The users subgraph did not answer (HTTP ${response.status}): ${JSON.stringify(body?.errors ?? null)}`);
    }
    return body.data;
  }
}
