import { fetchEntities, querySubgraph, type PeerAddress } from '@chirpchat/kit';

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
    const users = await fetchEntities<{ id?: string }>(this.users, { authorization, typename: 'User', ids, selection: 'id' });
    return ids.filter((_id, index) => !users[index]?.id);
  }

  /** The registered users among these usernames (at most 50; the users subgraph refuses more). */
  async byUsernames(usernames: readonly string[], authorization: string | null): Promise<DirectoryUser[]> {
    if (usernames.length === 0) return [];
    const { status, data } = await querySubgraph<{ usersByUsernames?: DirectoryUser[] | null }>(
      this.users,
      { authorization },
      BY_USERNAMES_QUERY,
      { u: usernames },
    );
    const users = data?.usersByUsernames;
    if (!Array.isArray(users)) throw new Error(`The users subgraph did not answer the username lookup (HTTP ${status}).`);
    return users;
  }
}
