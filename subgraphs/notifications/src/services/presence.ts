import type { PresenceStore } from '@chirpchat/kit';

/** Whether the user holds a live socket on any router instance right now (presence ONLINE). */
export type IsOnline = (userId: string) => Promise<boolean>;

/**
 * Presence as the routers record it in the shared PresenceStore (Redis across instances, or
 * the in-memory store the all-in-one mode hands to router, users and notifications). A failed
 * read counts as offline: a push too many beats a missed one.
 */
export function onlineIn(store: PresenceStore): IsOnline {
  return async (userId) => {
    try {
      return (await store.read([userId])).get(userId)?.online ?? false;
    } catch {
      return false;
    }
  };
}
