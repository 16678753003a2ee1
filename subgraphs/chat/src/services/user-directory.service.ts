import { fetchEntities, ROUTER_SECRET_HEADER } from '@chirpchat/kit';

export interface UserDirectoryOptions {
  /** The users subgraph's GraphQL endpoint. */
  usersUrl: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
  /** How long a looked-up display name is reused. @default 60000 */
  nameCacheMs?: number;
}

/** A registered user, as far as chat needs to know one. */
export interface DirectoryUser {
  id: string;
  username: string;
}

/** A display name lookup is on the send path: it gets less time than a membership check. */
const NAME_TIMEOUT_MS = 1500;
const MAX_CACHED_NAMES = 10_000;
const BY_USERNAMES_QUERY = 'query($u:[String!]!){ usersByUsernames(usernames:$u){ id username } }';

/**
 * Asks the users subgraph about users. Chat never reads the users tables; it calls the users
 * subgraph the way the router would, as the caller (their token), so the users subgraph
 * applies its own rules.
 */
export class UserDirectoryService {
  private readonly names = new Map<string, { name: string; until: number }>();

  constructor(private readonly options: UserDirectoryOptions) {}

  /** The ids among `ids` that name no user, in the order given. */
  async unknownIds(ids: readonly string[], authorization: string | null): Promise<string[]> {
    if (ids.length === 0) return [];
    const users = await this.lookup<{ id?: string }>(ids, 'id', authorization, this.options.timeoutMs ?? 5000);
    return ids.filter((_id, index) => !users[index]?.id);
  }

  /** The registered users among these usernames (at most 50; the users subgraph refuses more). */
  async byUsernames(usernames: readonly string[], authorization: string | null): Promise<DirectoryUser[]> {
    if (usernames.length === 0) return [];
    const response = await fetch(this.options.usersUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ROUTER_SECRET_HEADER]: this.options.routerSecret,
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ query: BY_USERNAMES_QUERY, variables: { u: usernames } }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const body = (await response.json().catch(() => null)) as { data?: { usersByUsernames?: DirectoryUser[] | null } | null } | null;
    const users = body?.data?.usersByUsernames;
    if (!response.ok || !Array.isArray(users))
      throw new Error(`The users subgraph did not answer the username lookup (HTTP ${response.status}).`);
    return users;
  }

  /**
   * The user's display name, for push notifications, from a cache of about a minute; null when
   * the users subgraph does not answer in time. Never throws: a send must not fail over a name.
   */
  async displayName(userId: string, authorization: string | null): Promise<string | null> {
    const cached = this.names.get(userId);
    if (cached && cached.until > Date.now()) return cached.name;
    try {
      const [user] = await this.lookup<{ displayName?: string }>([userId], 'id displayName', authorization, NAME_TIMEOUT_MS);
      const name = typeof user?.displayName === 'string' ? user.displayName : null;
      if (name !== null) {
        if (this.names.size >= MAX_CACHED_NAMES) this.names.clear();
        this.names.set(userId, { name, until: Date.now() + (this.options.nameCacheMs ?? 60_000) });
      }
      return name;
    } catch {
      return null;
    }
  }

  private lookup<T extends object>(ids: readonly string[], selection: string, authorization: string | null, timeoutMs: number) {
    const { usersUrl: url, routerSecret } = this.options;
    return fetchEntities<T>({ url, routerSecret, authorization, typename: 'User', ids, selection, timeoutMs });
  }
}
