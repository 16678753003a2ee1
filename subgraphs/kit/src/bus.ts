import { PubSub } from 'graphql-subscriptions';
import type { Cluster, Redis } from 'ioredis';
import { Channel } from './channel.js';
import { connectRedis, type RedisTarget } from './redis.js';

/**
 * Live events between service instances. At-most-once: an event published while nobody is
 * subscribed, or lost on a restart, is gone — clients catch up by `seq` (see DESIGN.md).
 */
export interface Bus {
  publish<T>(topic: string, payload: T): Promise<void>;
  /**
   * One channel with the messages of `topic` (or of each of several topics, each in its own
   * order). Resolves once the subscription is active, so nothing published afterwards is missed.
   */
  subscribe<T>(topic: string | readonly string[]): Promise<Channel<T>>;
  close(): Promise<void>;
  readonly kind: 'redis' | 'memory';
}

export interface BusOptions extends RedisTarget {
  /** Put before every topic to make the Redis channel name. @default 'chirpchat:' */
  prefix?: string;
}

/**
 * Redis pub/sub when `redisUrl` is given (any number of instances); with `redisCluster`, a Redis
 * Cluster's sharded pub/sub (SPUBLISH/SSUBSCRIBE: each channel lives on the shard that owns its
 * slot, so the topics spread over the shards); in-process when neither is given.
 */
export function createBus(options: BusOptions): Bus {
  const prefix = options.prefix ?? 'chirpchat:';
  return options.redisUrl || options.redisCluster ? new RedisBus(options, prefix) : memoryBus(prefix);
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
  };
}

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

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
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
      this.listen(subscriber, 'message');
      this.commands = {
        publish: (channel, message) => publisher.publish(channel, message),
        subscribe: (channel) => subscriber.subscribe(channel),
        unsubscribe: (channel) => subscriber.unsubscribe(channel),
      };
    }
  }

  async publish<T>(topic: string, payload: T): Promise<void> {
    await this.commands.publish(this.prefix + topic, JSON.stringify(payload));
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
