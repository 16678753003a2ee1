import { Redis } from 'ioredis';

/** Whether the user holds a live socket on any router instance right now (presence ONLINE). */
export type IsOnline = (userId: string) => Promise<boolean>;

/** A presence reader and what it holds open. */
export interface PresenceReader {
  isOnline: IsOnline;
  close(): Promise<void>;
}

/** The Redis key that exists while the user is ONLINE; see {@link redisPresence}. */
export const presenceKey = (userId: string, prefix = 'chirpchat:') => `${prefix}presence:${userId}`;

/**
 * Presence as the router instances record it in Redis. The one thing this subgraph assumes about
 * that store: a user is ONLINE exactly while the key `chirpchat:presence:<userId>` exists (the
 * store keeps it, e.g. a set or hash of live socket ids with an expiry refreshed by a heartbeat,
 * and deletes it when the last socket closes). This file is the only place that knows it, so
 * pointing notifications at the shared PresenceStore is a change here alone.
 */
export function redisPresence(redisUrl: string, prefix = 'chirpchat:'): PresenceReader {
  // Auto-pipelining sends the checks for a group's members in one round trip.
  const redis = new Redis(redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 2 });
  return {
    isOnline: async (userId) => (await redis.exists(presenceKey(userId, prefix))) === 1,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Without Redis (one process, no presence store yet) everyone counts as offline: a push too many beats a missed one. */
export const nobodyOnline: IsOnline = async () => false;
