import { PubSub } from 'graphql-subscriptions';
import type { Cluster, Redis } from 'ioredis';
import { Channel } from './channel.js';
import type { Logger } from './logger.js';
import { connectRedis, type RedisTarget } from './redis.js';

/**
 * Live events between service instances. At-most-once: an event published while nobody is
 * subscribed, or lost on a restart, is gone — clients catch up by `seq` (see DESIGN.md).
 */
export interface Bus {
  /**
   * Resolves at once, whatever Redis does: the event goes into this instance's outbox, which is
   * handed to Redis in order as soon as (and whenever) it is reachable. A send never waits for Redis.
   */
  publish<T>(topic: string, payload: T): Promise<void>;
  /**
   * One channel with the messages of `topic` (or of each of several topics, each in its own
   * order). Resolves once the subscription is active, so nothing published afterwards is missed.
   */
  subscribe<T>(topic: string | readonly string[]): Promise<Channel<T>>;
  close(): Promise<void>;
  readonly kind: 'redis' | 'memory';
  /** Whether events published now reach the other instances' subscribers now (`/health` reports it). */
  health(): BusHealth;
}

/**
 * How live delivery stands. `degraded` while Redis is unreachable or events wait in the outbox
 * longer than a moment: they are published once Redis is back, in order (up to the outbox's bound).
 */
export interface BusHealth {
  liveDelivery: 'ok' | 'degraded';
  /** Events published here and not yet handed to Redis. */
  pending: number;
  /** Events dropped since start because the outbox was full (their subscribers catch up by seq). */
  dropped: number;
}

export interface BusOptions extends RedisTarget {
  /** Put before every topic to make the Redis channel name. @default 'chirpchat:' */
  prefix?: string;
  /** Says when Redis goes away (events wait in the outbox) and when it is back. */
  logger?: Logger;
}

/**
 * Redis pub/sub when `redisUrl` is given (any number of instances); with `redisCluster`, a Redis
 * Cluster's sharded pub/sub (SPUBLISH/SSUBSCRIBE: each channel lives on the shard that owns its
 * slot, so the topics spread over the shards); in-process when neither is given.
 */
export function createBus(options: BusOptions): Bus {
  const prefix = options.prefix ?? 'chirpchat:';
  return options.redisUrl || options.redisCluster ? new RedisBus(options, prefix, options.logger) : memoryBus(prefix);
}

function memoryBus(prefix: string): Bus {
  const engine = new PubSub();
  return {
    kind: 'memory',
    async publish(topic, payload) {
      await engine.publish(prefix + topic, payload as never);
    },
    async subscribe<T>(topic: string | readonly string[]) {
      const channel = new Channel<T>();
      for (const name of topicList(topic)) {
        const id = await engine.subscribe(prefix + name, (payload: T) => channel.push(payload));
        channel.onRelease(() => engine.unsubscribe(id));
      }
      return channel;
    },
    async close() {},
    health: () => ({ liveDelivery: 'ok', pending: 0, dropped: 0 }),
  };
}

/** Events an instance keeps for Redis while it is unreachable; past it, the oldest are dropped. */
export const OUTBOX_LIMIT = 20_000;
/** Events handed to Redis in one go when draining the outbox (ioredis pipelines them on the connection). */
const DRAIN_BATCH = 512;
/** An event waiting this long for Redis makes live delivery `degraded` even while the connection looks up. */
const STALE_PENDING_MS = 2000;
/** After a failed publish, the outbox tries again this much later (or on the next `ready`). */
const RETRY_MS = 250;

/**
 * How often a cluster bus re-reads the slot map, so that a subscription follows its slot to a
 * new shard within about this long (events published meanwhile are lost; clients catch up by seq).
 */
const SLOTS_REFRESH_MS = 2000;

function topicList(topic: string | readonly string[]): readonly string[] {
  return typeof topic === 'string' ? [topic] : topic;
}

/** One flavour of Redis pub/sub: classic (one server) or sharded (a cluster). */
interface PubSubCommands {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
}

/** A channel this process listens to, and whether Redis has the subscription. */
interface Topic {
  listeners: Set<(payload: unknown) => void>;
  subscribed: boolean;
  /** Changes to one channel's subscription run one after another, in this chain. */
  queue: Promise<void>;
  pending: number;
}

/**
 * One Redis subscription per channel per process, however many local subscribers it has:
 * SUBSCRIBE (SSUBSCRIBE) when the first arrives, UNSUBSCRIBE (SUNSUBSCRIBE) when the last
 * leaves; each message is parsed once and handed to every local subscriber.
 */
class RedisBus implements Bus {
  readonly kind = 'redis';
  private readonly topics = new Map<string, Topic>();
  private readonly clients: Array<Redis | Cluster>;
  private readonly commands: PubSubCommands;
  /** The client that publishes: the outbox drains while it is `ready`. */
  private readonly publisher: Redis | Cluster;
  /** Events not yet handed to Redis, oldest first, each with when it was published. */
  private readonly outbox: Array<{ channel: string; message: string; at: number }> = [];
  /**
   * Whether this process's own subscriptions are active in Redis (a single server's subscriber
   * connection resubscribes on reconnect; the outbox waits for that, so that after an outage the
   * events it kept reach this process's subscribers too). Always true on a cluster, whose one client does both.
   */
  private subscriberLive = true;
  private draining = false;
  private dropped = 0;
  private closed = false;
  /** Whether the current outage was already logged (ioredis reports every failed reconnect). */
  private outageLogged = false;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
    private readonly logger?: Logger,
  ) {
    // Commands wait while Redis is unreachable instead of failing after a few retries.
    const options = { maxRetriesPerRequest: null };
    if (target.redisCluster) {
      // One client: SPUBLISH goes to the shard owning the channel's slot over the ordinary node
      // connections (following MOVED), SSUBSCRIBE over one subscriber connection per shard. When
      // a slot moves, Redis drops its channels' subscriptions at the old owner; when a master
      // fails, its subscriber connection ends. Either way ioredis subscribes again at the new
      // owner once it refreshes its slot map — on a MOVED reply to this client, on a subscriber
      // connection ending, and on the periodic refresh, which ioredis leaves off unless asked.
      const cluster = connectRedis(target, options, { shardedSubscribers: true, slotsRefreshInterval: SLOTS_REFRESH_MS }) as Cluster;
      this.clients = [cluster];
      this.publisher = cluster;
      this.listen(cluster, 'smessage');
      this.commands = {
        publish: (channel, message) => cluster.spublish(channel, message),
        subscribe: (channel) => cluster.ssubscribe(channel),
        unsubscribe: (channel) => cluster.sunsubscribe(channel),
      };
    } else {
      // A connection in subscriber mode can do nothing else, so publishing needs its own.
      const publisher = connectRedis(target, options) as Redis;
      const subscriber = connectRedis(target, options) as Redis;
      this.clients = [publisher, subscriber];
      this.publisher = publisher;
      this.listen(subscriber, 'message');
      subscriber.on('close', () => {
        this.subscriberLive = false;
      });
      // ioredis sends the resubscriptions as it becomes ready; a PING answered after them means they are active.
      subscriber.on('ready', () => {
        void subscriber.ping().then(
          () => {
            this.subscriberLive = true;
            this.drain();
          },
          () => undefined,
        );
      });
      this.commands = {
        publish: (channel, message) => publisher.publish(channel, message),
        subscribe: (channel) => subscriber.subscribe(channel),
        unsubscribe: (channel) => subscriber.unsubscribe(channel),
      };
    }
    this.publisher.on('ready', () => {
      if (this.outageLogged)
        this.logger?.info({ pending: this.outbox.length }, 'Redis is reachable again: live events flow, the outbox drains');
      this.outageLogged = false;
      this.drain();
    });
    for (const client of this.clients) {
      client.on('error', (error: Error) => {
        if (this.outageLogged || this.closed) return;
        this.outageLogged = true;
        this.logger?.warn(
          { err: error },
          'Redis is unreachable: sends go on, live events wait in the outbox until it is back (GET /health says degraded)',
        );
      });
    }
  }

  async publish<T>(topic: string, payload: T): Promise<void> {
    if (this.closed) return;
    if (this.outbox.length >= OUTBOX_LIMIT) {
      this.outbox.shift();
      this.dropped += 1;
    }
    this.outbox.push({ channel: this.prefix + topic, message: JSON.stringify(payload), at: Date.now() });
    this.drain();
  }

  health(): BusHealth {
    const oldest = this.outbox[0];
    const stale = oldest !== undefined && Date.now() - oldest.at > STALE_PENDING_MS;
    const liveDelivery = this.connected() && !stale ? 'ok' : 'degraded';
    return { liveDelivery, pending: this.outbox.length, dropped: this.dropped };
  }

  /**
   * Hands the outbox to Redis in order while the publisher is ready, a batch at a time (sent
   * without waiting for each reply, so ioredis pipelines them). Commands in flight when the
   * connection drops are sent again by ioredis on reconnect, before anything later; a batch
   * waits for them, so order holds. When the publisher is not ready, the outbox waits for its
   * `ready` event.
   */
  private drain(): void {
    if (this.draining || this.closed) return;
    this.draining = true;
    void (async () => {
      try {
        while (this.outbox.length > 0 && this.connected() && !this.closed) {
          const batch = this.outbox.splice(0, DRAIN_BATCH);
          const results = await Promise.allSettled(batch.map(({ channel, message }) => this.commands.publish(channel, message)));
          const failed = batch.filter((_, index) => results[index]!.status === 'rejected');
          if (failed.length > 0) {
            // Not sent (the connection went between the check and the write, or Redis refused):
            // first in line again, and tried again shortly or on the next `ready`.
            this.outbox.unshift(...failed);
            setTimeout(() => this.drain(), RETRY_MS).unref();
            return;
          }
        }
      } finally {
        this.draining = false;
      }
      // Published while the last batch was in flight, with the publisher still ready.
      if (this.outbox.length > 0 && this.connected() && !this.closed) this.drain();
    })();
  }

  private connected(): boolean {
    return this.publisher.status === 'ready' && this.subscriberLive;
  }

  async subscribe<T>(topic: string | readonly string[]): Promise<Channel<T>> {
    const channel = new Channel<T>();
    const listener = (payload: unknown) => channel.push(payload as T);
    const joined: Array<[string, Topic]> = [];
    const leaveAll = () =>
      Promise.all(
        joined.map(([name, entry]) => {
          entry.listeners.delete(listener);
          return this.sync(name, entry);
        }),
      );
    try {
      for (const name of topicList(topic).map((each) => this.prefix + each)) {
        let entry = this.topics.get(name);
        if (!entry) {
          entry = { listeners: new Set(), subscribed: false, queue: Promise.resolve(), pending: 0 };
          this.topics.set(name, entry);
        }
        entry.listeners.add(listener);
        joined.push([name, entry]);
      }
      await Promise.all(joined.map(([name, entry]) => this.sync(name, entry)));
    } catch (error) {
      void leaveAll().catch(() => undefined);
      throw error;
    }
    channel.onRelease(async () => {
      await leaveAll();
    });
    return channel;
  }

  async close(): Promise<void> {
    this.closed = true;
    // What is still in the outbox goes ahead of QUIT on the same connection, when it can.
    if (this.publisher.status === 'ready') {
      for (const { channel, message } of this.outbox.splice(0)) void this.commands.publish(channel, message).catch(() => undefined);
    }
    await Promise.all(this.clients.map((client) => client.quit().catch(() => client.disconnect())));
  }

  /** The one listener for every message this process receives. */
  private listen(subscriber: Redis | Cluster, event: 'message' | 'smessage'): void {
    subscriber.on(event, (name: string, message: string) => this.deliver(name, message));
  }

  /** Brings Redis's subscription to `name` in line with whether anyone here still listens. */
  private sync(name: string, topic: Topic): Promise<void> {
    topic.pending += 1;
    const step = topic.queue
      .then(async () => {
        const wanted = topic.listeners.size > 0;
        if (wanted && !topic.subscribed) {
          await this.commands.subscribe(name);
          topic.subscribed = true;
        } else if (!wanted && topic.subscribed) {
          topic.subscribed = false;
          await this.commands.unsubscribe(name);
        }
      })
      .finally(() => {
        topic.pending -= 1;
        if (topic.pending === 0 && topic.listeners.size === 0 && !topic.subscribed && this.topics.get(name) === topic) {
          this.topics.delete(name);
        }
      });
    topic.queue = step.catch(() => undefined);
    return step;
  }

  private deliver(name: string, message: string): void {
    const topic = this.topics.get(name);
    if (!topic || topic.listeners.size === 0) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      payload = message;
    }
    for (const listener of topic.listeners) listener(payload);
  }
}
