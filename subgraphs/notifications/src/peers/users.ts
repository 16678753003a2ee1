import { fetchEntities, type PeerAddress } from '@chirpchat/kit';

/**
 * Notifications' client of the **users** subgraph: the display names of the senders of a batch
 * of messages, for the pushes' headings. Asked as a service (no person's token: the fan-out
 * acts for nobody in particular), for profiles every signed-in user may see anyway.
 */
export class UsersPeer {
  /** @param users where users is; a push waits on this lookup, so give it less time than a person's request */
  constructor(private readonly users: PeerAddress) {}

  /**
   * @returns the display name of each id users knows, in one `_entities` call
   * @throws Error when the users subgraph does not answer in time
   */
  async displayNames(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (ids.length === 0) return names;
    const users = await fetchEntities<{ id?: string; displayName?: string }>(this.users, {
      authorization: null,
      service: 'notifications',
      typename: 'User',
      ids,
      selection: 'id displayName',
    });
    users.forEach((user, index) => {
      if (typeof user?.displayName === 'string') names.set(ids[index]!, user.displayName);
    });
    return names;
  }
}
