import type { PresenceStore } from '@chirpchat/kit/contracts';

/** Which of the users hold a live socket on any router instance right now (presence ONLINE): one lookup for many. */
export type IsOnline = (userIds: readonly string[]) => Promise<ReadonlySet<string>>;

/**
 * Presence as the routers record it in the shared PresenceStore (Redis across instances, or
 * the in-memory store `createProduct` hands to router, users and notifications), read for
 * all the users of a batch in one round trip.
 */
export function onlineIn(store: PresenceStore): IsOnline {
  return async (userIds) => {
    const states = await store.read(userIds);
    return new Set(userIds.filter((userId) => states.get(userId)?.online === true));
  };
}
