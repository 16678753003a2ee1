import type { Cluster, Redis } from 'ioredis';
import type { Viewer } from './auth.js';
import type { Bus } from './bus.js';
import type { Logger } from './logger.js';
import { connectRedis, type RedisTarget } from './redis.js';

/**
 * Access tokens that stop before they expire. `session`: every token of one refresh family (sign
 * out of a device). `generation`: every token of a user older than `generation` (password
 * changed, account deleted). `expiresAt` (epoch ms) is when the last such token expires anyway:
 * past it the revocation need not be remembered.
 */
export type Revocation =
  | { kind: 'session'; userId: string; sessionId: string; expiresAt: number }
  | { kind: 'generation'; userId: string; generation: number; expiresAt: number };

/** The bus topic on which the users subgraph announces revocations to every process. */
export const REVOCATION_TOPIC = 'auth.revoked';

/** The Redis keys of the backstop: `<prefix>revoked:sid:<sessionId>` (value: the user id) and `<prefix>tokengen:<userId>` (value: the minimum valid generation). */
export const REVOCATION_KEYS = { session: 'revoked:sid:', generation: 'tokengen:' } as const;

export interface RevocationViewOptions extends RedisTarget {
  /** Where revocations are announced; without it, this view knows only what this process revokes. */
  bus?: Bus;
  logger?: Logger;
  /** Put before every backstop key, as the bus does before its channels. @default 'chirpchat:' */
  prefix?: string;
  /** How long reading or writing the backstop may take before the process goes on without it. @default 1000 */
  backstopTimeoutMs?: number;
}

/**
 * What this process knows about revoked access tokens, kept in memory so that checking a token
 * costs two map lookups. Revocations arrive on the bus; the Redis backstop (keys that live as long
 * as an access token) is read when the view starts and whenever its Redis connection comes back,
 * so an event missed meanwhile is not a hole.
 */
export interface RevocationView {
  /** Whether the token that identified `viewer` was revoked after it was signed. */
  isRevoked(viewer: Viewer): boolean;
  /**
   * Writes the backstop, takes effect in this process at once and announces it to the others.
   * Only the users subgraph calls it.
   */
  revoke(revocation: Revocation): Promise<void>;
  /** Calls `listener` for each revocation this view learns (the router closes matching sockets); returns the unsubscribe. */
  onRevoked(listener: (revocation: Revocation) => void): () => void;
  /** Stops listening and closes the backstop's connection (not the bus, which belongs to the caller). */
  close(): Promise<void>;
}

const PRUNE_INTERVAL_MS = 60_000;
const SCAN_COUNT = 500;

/**
 * Builds the view and resolves once it listens on the bus and has read the backstop (or waited
 * `backstopTimeoutMs` for it: a Redis outage must not stop a process from starting).
 */
export async function createRevocationView(options: RevocationViewOptions = {}): Promise<RevocationView> {
  const prefix = options.prefix ?? 'chirpchat:';
  const timeoutMs = options.backstopTimeoutMs ?? 1000;
  const logger = options.logger;
  /** Revoked session id → until when it matters. */
  const sessions = new Map<string, number>();
  /** User id → the lowest generation still valid, and until when that matters. */
  const generations = new Map<string, { generation: number; expiresAt: number }>();
  const listeners = new Set<(revocation: Revocation) => void>();

  const apply = (revocation: Revocation): void => {
    if (!isRevocation(revocation) || revocation.expiresAt <= Date.now()) return;
    if (revocation.kind === 'session') {
      if ((sessions.get(revocation.sessionId) ?? 0) >= revocation.expiresAt) return;
      sessions.set(revocation.sessionId, revocation.expiresAt);
    } else {
      const known = generations.get(revocation.userId);
      if (known && known.generation >= revocation.generation) return;
      generations.set(revocation.userId, { generation: revocation.generation, expiresAt: revocation.expiresAt });
    }
    for (const listener of listeners) listener(revocation);
  };

  const prune = setInterval(() => {
    const now = Date.now();
    for (const [id, expiresAt] of sessions) if (expiresAt <= now) sessions.delete(id);
    for (const [id, entry] of generations) if (entry.expiresAt <= now) generations.delete(id);
  }, PRUNE_INTERVAL_MS);
  prune.unref();

  // Listening before reading the backstop: a revocation made in between is heard, not lost.
  const channel = options.bus ? await options.bus.subscribe<Revocation>(REVOCATION_TOPIC) : null;
  if (channel) {
    void (async () => {
      for await (const revocation of channel) apply(revocation);
    })().catch((error: unknown) => logger?.error({ err: error }, 'revocation events stopped'));
  }

  const redis = options.redisUrl || options.redisCluster ? connectRedis(options, { maxRetriesPerRequest: null }) : null;
  const within = <T>(work: Promise<T>): Promise<T | 'timeout'> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  };
  const load = async (): Promise<void> => {
    if (!redis) return;
    const read = await within(readBackstop(redis, prefix)).catch((error: unknown) => {
      logger?.warn({ err: error }, 'could not read the revocation backstop from Redis');
      return [];
    });
    if (read === 'timeout') logger?.warn({ timeoutMs }, 'the revocation backstop did not answer in time: going on with the events only');
    else for (const revocation of read) apply(revocation);
  };
  if (redis) {
    redis.on('error', () => undefined);
    let connectedBefore = false;
    // After a reconnect, read again whatever was revoked while this process heard nothing.
    redis.on('ready', () => {
      if (connectedBefore) void load();
      connectedBefore = true;
    });
    await load();
  }

  return {
    isRevoked(viewer) {
      if (viewer.sessionId !== null && sessions.has(viewer.sessionId)) return true;
      const minimum = generations.get(viewer.id);
      return minimum !== undefined && viewer.generation < minimum.generation;
    },
    async revoke(revocation) {
      apply(revocation);
      if (redis) {
        const ttlMs = Math.max(1, revocation.expiresAt - Date.now());
        const write =
          revocation.kind === 'session'
            ? redis.set(prefix + REVOCATION_KEYS.session + revocation.sessionId, revocation.userId, 'PX', ttlMs)
            : redis.set(prefix + REVOCATION_KEYS.generation + revocation.userId, String(revocation.generation), 'PX', ttlMs);
        const written = await within(write).catch(() => 'timeout' as const);
        if (written === 'timeout')
          logger?.warn({ kind: revocation.kind }, 'could not write the revocation backstop: the event goes on the bus only');
      }
      await options.bus?.publish(REVOCATION_TOPIC, revocation);
    },
    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearInterval(prune);
      await channel?.return();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

function isRevocation(value: unknown): value is Revocation {
  const r = value as Partial<Record<string, unknown>> | null;
  if (typeof r !== 'object' || r === null || typeof r.userId !== 'string' || typeof r.expiresAt !== 'number') return false;
  return (r.kind === 'session' && typeof r.sessionId === 'string') || (r.kind === 'generation' && typeof r.generation === 'number');
}

/** Every revocation in the backstop, with its remaining lifetime: SCAN over each master (one server, or every shard of a cluster). */
async function readBackstop(redis: Redis | Cluster, prefix: string): Promise<Revocation[]> {
  const nodes = (redis as Cluster).isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
  const found: Revocation[] = [];
  for (const node of nodes) {
    for (const kind of ['session', 'generation'] as const) {
      const keyPrefix = prefix + REVOCATION_KEYS[kind];
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', SCAN_COUNT);
        cursor = next;
        if (keys.length === 0) continue;
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.get(key).pttl(key);
        const replies = (await pipeline.exec()) ?? [];
        const now = Date.now();
        keys.forEach((key, index) => {
          const value = replies[index * 2]?.[1];
          const ttl = replies[index * 2 + 1]?.[1];
          if (typeof value !== 'string' || typeof ttl !== 'number' || ttl <= 0) return;
          const id = key.slice(keyPrefix.length);
          const expiresAt = now + ttl;
          found.push(
            kind === 'session'
              ? { kind, sessionId: id, userId: value, expiresAt }
              : { kind, userId: id, generation: Number(value), expiresAt },
          );
        });
      } while (cursor !== '0');
    }
  }
  return found;
}
