import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { connectRedis, type RedisTarget } from '../redis.js';

/** One live socket of one user, as the router instance holding it names it. */
export interface PresenceConnection {
  userId: string;
  /** Unique per socket (a random UUID), so sockets of one user on several instances never clash. */
  connectionId: string;
}

/** What the users subgraph reports for a user. */
export interface PresenceState {
  online: boolean;
  /** When the user was last known to hold a socket; null while online and for users never seen. */
  lastSeenAt: Date | null;
}

/**
 * The presence contract, owned by the **router** (every instance writes who holds a live
 * socket); the **users** subgraph reads it for `User.presence` and **notifications** to skip
 * people who are online. Shared by every router instance (which write it) and the users
 * subgraph (which reads it). A connection counts as live until a deadline: the router moves
 * the deadline forward on a heartbeat while the socket is open, and to "now + grace" when it
 * closes. So a user is ONLINE while any of their connections is before its deadline; a
 * reconnect within the grace period never shows OFFLINE; and the sockets of a router instance
 * that crashed lapse by themselves once its heartbeats stop. No timer has to fire for a user
 * to go OFFLINE — it is decided when presence is read.
 */
export interface PresenceStore {
  readonly kind: 'redis' | 'memory';
  /** Marks each connection live for the next `ttlMs` and its user as seen now. */
  hold(connections: readonly PresenceConnection[], ttlMs: number): Promise<void>;
  /** The socket closed: it keeps counting for `graceMs`, and its user was last seen now. */
  release(connection: PresenceConnection, graceMs: number): Promise<void>;
  /** The presence of each user asked for; users never seen are offline with no `lastSeenAt`. */
  read(userIds: readonly string[]): Promise<Map<string, PresenceState>>;
  close(): Promise<void>;
}

export interface PresenceStoreOptions extends RedisTarget {
  /**
   * Put before every key. On a Redis Cluster it becomes a hash tag (`{chirpchat:presence:}…`),
   * so that all presence keys share one slot: the scripts below touch several keys at once. So
   * presence lives on one shard; the bus's channels are what spreads over the shards.
   * @default 'chirpchat:presence:'
   */
  prefix?: string;
  /** The in-memory store's clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * A Redis store when `redisUrl` or `redisCluster` is given (any number of router instances), else
 * an in-memory one — which `createProduct` hands to the router, users and notifications it runs in
 * one process.
 */
export function createPresenceStore(options: PresenceStoreOptions = {}): PresenceStore {
  const prefix = options.prefix ?? 'chirpchat:presence:';
  if (options.redisCluster) return new RedisPresenceStore(options, `{${prefix}}`);
  return options.redisUrl ? new RedisPresenceStore(options, prefix) : new MemoryPresenceStore(options.now ?? Date.now);
}

/**
 * Moves one connection's deadline to Redis's now + ARGV[3] ms and records Redis's now as the
 * user's last-seen time. Lapsed connections are dropped on the way, and the set expires with
 * its last deadline, so a user who is gone leaves nothing behind but the last-seen time.
 * Redis's clock, not the instances', decides, so clock skew between instances does not matter.
 * KEYS: the user's connection set, the last-seen hash. ARGV: userId, connectionId, ms.
 */
const EXTEND_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
redis.call('HSET', KEYS[2], ARGV[1], now)
return 1
`;

/**
 * For each user (KEYS[2..], ARGV[1..]): how many connections are before their deadline, and
 * the last-seen time. KEYS[1] is the last-seen hash.
 */
const READ_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 2, #KEYS do
  out[#out + 1] = redis.call('ZCOUNT', KEYS[i], string.format('(%d', now), '+inf')
  out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i - 1])
end
return out
`;

type ExtendArgs = [connections: string, lastSeen: string, userId: string, connectionId: string, ms: number];

/** The scripts, as ioredis adds them to a client and its pipelines. */
interface PresenceCommands {
  presenceExtend(...args: ExtendArgs): Promise<unknown>;
  presenceRead(keyCount: number, ...keysAndArgs: string[]): Promise<Array<number | string | null>>;
}

class RedisPresenceStore implements PresenceStore {
  readonly kind = 'redis';
  private readonly redis: (Redis | Cluster) & PresenceCommands;
  private readonly lastSeenKey: string;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
  ) {
    const redis = connectRedis(target, { maxRetriesPerRequest: 3 });
    // Each command that fails says so to its caller; the connection's own errors (every failed reconnect) need not.
    redis.on('error', () => undefined);
    redis.defineCommand('presenceExtend', { numberOfKeys: 2, lua: EXTEND_SCRIPT });
    redis.defineCommand('presenceRead', { lua: READ_SCRIPT });
    this.redis = redis as (Redis | Cluster) & PresenceCommands;
    this.lastSeenKey = `${prefix}lastSeen`;
  }

  async hold(connections: readonly PresenceConnection[], ttlMs: number): Promise<void> {
    // In slices, so that a heartbeat for many sockets is a few round trips, not one huge pipeline.
    for (let start = 0; start < connections.length; start += 500) {
      const pipeline = this.redis.pipeline() as ChainableCommander & { presenceExtend(...args: ExtendArgs): unknown };
      for (const connection of connections.slice(start, start + 500)) pipeline.presenceExtend(...this.extendArgs(connection, ttlMs));
      const failed = (await pipeline.exec())?.find(([error]) => error);
      if (failed) throw failed[0];
    }
  }

  async release(connection: PresenceConnection, graceMs: number): Promise<void> {
    await this.redis.presenceExtend(...this.extendArgs(connection, graceMs));
  }

  async read(userIds: readonly string[]): Promise<Map<string, PresenceState>> {
    const states = new Map<string, PresenceState>();
    if (userIds.length === 0) return states;
    const keys = [this.lastSeenKey, ...userIds.map((id) => this.connectionsKey(id))];
    const reply = await this.redis.presenceRead(keys.length, ...keys, ...userIds);
    userIds.forEach((userId, index) => {
      const online = Number(reply[index * 2]) > 0;
      const lastSeen = reply[index * 2 + 1];
      states.set(userId, { online, lastSeenAt: online || lastSeen == null ? null : new Date(Number(lastSeen)) });
    });
    return states;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private extendArgs(connection: PresenceConnection, ms: number): ExtendArgs {
    return [
      this.connectionsKey(connection.userId),
      this.lastSeenKey,
      connection.userId,
      connection.connectionId,
      Math.max(0, Math.round(ms)),
    ];
  }

  private connectionsKey(userId: string): string {
    return `${this.prefix}connections:${userId}`;
  }
}

class MemoryPresenceStore implements PresenceStore {
  readonly kind = 'memory';
  /** userId → connectionId → deadline (ms) */
  private readonly deadlines = new Map<string, Map<string, number>>();
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  async hold(connections: readonly PresenceConnection[], ttlMs: number): Promise<void> {
    for (const connection of connections) this.extend(connection, ttlMs);
  }

  async release(connection: PresenceConnection, graceMs: number): Promise<void> {
    this.extend(connection, graceMs);
  }

  async read(userIds: readonly string[]): Promise<Map<string, PresenceState>> {
    const now = this.now();
    return new Map(
      userIds.map((userId) => {
        const online = [...(this.deadlines.get(userId)?.values() ?? [])].some((deadline) => deadline > now);
        const lastSeen = this.lastSeen.get(userId);
        return [userId, { online, lastSeenAt: online || lastSeen === undefined ? null : new Date(lastSeen) }];
      }),
    );
  }

  async close(): Promise<void> {}

  private extend(connection: PresenceConnection, ms: number): void {
    const now = this.now();
    const deadlines = this.deadlines.get(connection.userId) ?? new Map<string, number>();
    for (const [id, deadline] of deadlines) if (deadline <= now) deadlines.delete(id);
    deadlines.set(connection.connectionId, now + ms);
    this.deadlines.set(connection.userId, deadlines);
    this.lastSeen.set(connection.userId, now);
  }
}
