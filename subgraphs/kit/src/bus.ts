import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import { Channel } from './channel.js';

/**
 * Live events between service instances. At-most-once: an event published while nobody is
 * subscribed, or lost on a restart, is gone — clients catch up by `seq` (see DESIGN.md).
 */
export interface Bus {
  publish<T>(topic: string, payload: T): Promise<void>;
  /** Resolves once the subscription is active, so nothing published afterwards is missed. */
  subscribe<T>(topic: string): Promise<Channel<T>>;
  close(): Promise<void>;
  readonly kind: 'redis' | 'memory';
}

/** Redis pub/sub when `redisUrl` is given (any number of instances), in-process otherwise. */
export function createBus(options: { redisUrl?: string | undefined; prefix?: string }): Bus {
  const prefix = options.prefix ?? 'chirpchat:';
  let engine: PubSubEngine;
  let clients: Redis[] = [];
  if (options.redisUrl) {
    const connect = () => new Redis(options.redisUrl!, { maxRetriesPerRequest: null, lazyConnect: false });
    clients = [connect(), connect()];
    engine = new RedisPubSub({ publisher: clients[0]!, subscriber: clients[1]! });
  } else {
    engine = new PubSub();
  }
  return {
    kind: options.redisUrl ? 'redis' : 'memory',
    async publish(topic, payload) {
      await engine.publish(prefix + topic, payload as never);
    },
    async subscribe<T>(topic: string) {
      const channel = new Channel<T>();
      const id = await engine.subscribe(prefix + topic, (payload: T) => channel.push(payload), {});
      channel.onRelease(() => engine.unsubscribe(id));
      return channel;
    },
    async close() {
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}
