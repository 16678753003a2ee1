import { fetchEntities, ROUTER_SECRET_HEADER, type PeerAddress } from '@chirpchat/kit';

/** A registered user, as far as chat needs to know one. */
export interface DirectoryUser {
  id: string;
  username: string;
}

const BY_USERNAMES_QUERY = 'query($u:[String!]!){ usersByUsernames(usernames:$u){ id username } }';

/**
 * Chat's client of the **users** subgraph. Chat never reads the users tables; it calls the
 * users subgraph the way the router would, as the caller (their token), so users applies its
 * own rules. Asked when members are added (do the ids exist?) and when a sent text has
 * `@words` (which are usernames?).
 */
export class UsersPeer {
  constructor(private readonly users: PeerAddress) {}

  /** The ids among `ids` that name no user, in the order given (`_entities` on User). */
  async unknownIds(ids: readonly string[], authorization: string | null): Promise<string[]> {
    if (ids.length === 0) return [];
    const { url, routerSecret, timeoutMs = 5000 } = this.users;
    const users = await fetchEntities<{ id?: string }>({
      url,
      routerSecret,
      authorization,
      typename: 'User',
      ids,
      selection: 'id',
      timeoutMs,
    });
    return ids.filter((_id, index) => !users[index]?.id);
  }

  /** The registered users among these usernames (at most 50; the users subgraph refuses more). */
  async byUsernames(usernames: readonly string[], authorization: string | null): Promise<DirectoryUser[]> {
    if (usernames.length === 0) return [];
    const response = await fetch(this.users.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ROUTER_SECRET_HEADER]: this.users.routerSecret,
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ query: BY_USERNAMES_QUERY, variables: { u: usernames } }),
      signal: AbortSignal.timeout(this.users.timeoutMs ?? 5000),
    });
    const body = (await response.json().catch(() => null)) as { data?: { usersByUsernames?: DirectoryUser[] | null } | null } | null;
    const users = body?.data?.usersByUsernames;
    if (!response.ok || !Array.isArray(users))
      throw new Error(`The users subgraph did not answer the username lookup (HTTP ${response.status}).`);
    return users;
  }
}
