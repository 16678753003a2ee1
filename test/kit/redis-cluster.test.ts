import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createBus, readConfig, type Bus, type Channel } from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { LIVE_TOPIC_SHARDS, liveTopic } from '@chirpchat/chat';
import { waitUntil } from '../support/async.js';
import { redisClusterUnavailable, startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';

const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`Skipping the Redis Cluster tests: ${unavailable}`);

describe.skipIf(unavailable)('live events and presence on a real Redis Cluster (3 masters)', () => {
  let cluster: RedisCluster;
  const buses: Bus[] = [];
  const nodes = new Map<number, Redis>();
  const prefix = `test-${randomUUID()}:`;

  const openBus = () => {
    const bus = createBus({ redisCluster: cluster.config, prefix });
    buses.push(bus);
    return bus;
  };
  /** How many connections hold a sharded (`shard`) or classic (`classic`) subscription to `channel` on the node at `port`. */
  const subscribers = async (port: number, channel: string, kind: 'shard' | 'classic') => {
    const node = nodes.get(port)!;
    const reply = kind === 'shard' ? await node.pubsub('SHARDNUMSUB', channel) : await node.pubsub('NUMSUB', channel);
    return Number(reply[1]);
  };

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    for (const port of cluster.ports) nodes.set(port, cluster.node(port));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    for (const node of nodes.values()) node.disconnect();
    await cluster?.stop();
  });

  it('reads REDIS_CLUSTER_NODES as the cluster the bus and presence connect to', () => {
    expect(readConfig(['REDIS_CLUSTER_NODES'], { REDIS_CLUSTER_NODES: cluster.nodesVariable }).REDIS_CLUSTER_NODES).toEqual(cluster.config);
  });

  it('carries events between two bus instances on topics on all three shards, each a sharded subscription on the node owning its slot', async () => {
    const [publisher, subscriber] = [openBus(), openBus()];
    const topics = Array.from({ length: 30 }, (_, i) => `room:${i}`);
    const owners = new Map(await Promise.all(topics.map(async (topic) => [topic, await cluster.ownerOf(prefix + topic)] as const)));
    expect(new Set(owners.values())).toEqual(new Set(cluster.ports));

    const channels = new Map<string, Channel<{ topic: string; n: number }>>();
    for (const topic of topics) channels.set(topic, await subscriber.subscribe(topic));
    for (const topic of topics) {
      const owner = owners.get(topic)!;
      for (const port of cluster.ports) expect(await subscribers(port, prefix + topic, 'shard')).toBe(port === owner ? 1 : 0);
      expect(await subscribers(owner, prefix + topic, 'classic')).toBe(0);
    }

    await Promise.all(topics.map((topic, n) => publisher.publish(topic, { topic, n })));
    for (const [n, topic] of topics.entries()) {
      expect(await channels.get(topic)!.next()).toEqual({ value: { topic, n }, done: false });
    }
    // And the other way round, from the instance that subscribed to the one that published.
    const back = await publisher.subscribe<{ reply: string }>(topics[0]!);
    await subscriber.publish(topics[0]!, { reply: 'hi' });
    expect(await back.next()).toEqual({ value: { reply: 'hi' }, done: false });
    expect(await channels.get(topics[0]!)!.next()).toEqual({ value: { reply: 'hi' }, done: false });
    await Promise.all([back, ...channels.values()].map((channel) => channel.return()));
  });

  it('holds one sharded subscription per topic per process, and removes it when the last local subscriber leaves', async () => {
    const [publisher, subscriber] = [openBus(), openBus()];
    const topic = `conversation:${randomUUID()}`;
    const owner = await cluster.ownerOf(prefix + topic);
    const first = await subscriber.subscribe<{ n: number }>(topic);
    const second = await subscriber.subscribe<{ n: number }>(topic);
    expect(await subscribers(owner, prefix + topic, 'shard')).toBe(1);

    await publisher.publish(topic, { n: 1 });
    expect(await first.next()).toEqual({ value: { n: 1 }, done: false });
    expect(await second.next()).toEqual({ value: { n: 1 }, done: false });

    await first.return();
    await publisher.publish(topic, { n: 2 });
    expect(await second.next()).toEqual({ value: { n: 2 }, done: false });
    expect(await subscribers(owner, prefix + topic, 'shard')).toBe(1);

    await second.return();
    await waitUntil(async () => (await subscribers(owner, prefix + topic, 'shard')) === 0, {
      message: 'the shard still counts a subscriber after the last local one left',
    });

    // Subscribing again at once after leaving (the SUNSUBSCRIBE may still be on its way) subscribes again.
    const again = await subscriber.subscribe<{ n: number }>(topic);
    void (await subscriber.subscribe<{ n: number }>(topic)).return();
    expect(await subscribers(owner, prefix + topic, 'shard')).toBe(1);
    await publisher.publish(topic, { n: 3 });
    expect(await again.next()).toEqual({ value: { n: 3 }, done: false });
    await again.return();
  });

  it("spreads a kind's live topics over the shards, and one subscription to all of them hears each", async () => {
    const [publisher, subscriber] = [openBus(), openBus()];
    const topics = Array.from({ length: LIVE_TOPIC_SHARDS }, (_, shard) => `live:messageAdded:${shard}`);
    const owners = new Set(await Promise.all(topics.map((topic) => cluster.ownerOf(prefix + topic))));
    expect(owners.size).toBe(cluster.ports.length);

    const all = await subscriber.subscribe<{ conversationId: string }>(topics);
    for (const topic of topics) expect(await subscribers(await cluster.ownerOf(prefix + topic), prefix + topic, 'shard')).toBe(1);
    // Conversations until every topic has had one: each event reaches the one subscription, on whichever shard.
    const sent: string[] = [];
    const covered = new Set<string>();
    while (covered.size < topics.length) {
      const conversationId = randomUUID();
      covered.add(liveTopic('messageAdded', conversationId));
      sent.push(conversationId);
      await publisher.publish(liveTopic('messageAdded', conversationId), { conversationId });
    }
    const heard: string[] = [];
    while (heard.length < sent.length) heard.push((await all.next()).value!.conversationId);
    expect(heard.sort()).toEqual([...sent].sort());

    await all.return();
    await waitUntil(async () => (await subscribers(await cluster.ownerOf(prefix + topics[0]!), prefix + topics[0]!, 'shard')) === 0, {
      message: 'leaving did not end the sharded subscriptions',
    });
  });

  it('follows a topic to its new shard when its slot moves, as ioredis refreshes the slot map', async () => {
    const [publisher, subscriber] = [openBus(), openBus()];
    const topic = `conversation:${randomUUID()}`;
    const from = await cluster.ownerOf(prefix + topic);
    const to = cluster.ports.find((port) => port !== from)!;
    const channel = await subscriber.subscribe<{ n: number }>(topic);

    await cluster.moveSlot(prefix + topic, to);
    expect(await cluster.ownerOf(prefix + topic)).toBe(to);
    // Redis drops the subscription at the old owner with the slot; the bus's client subscribes
    // again at the new owner on its next refresh of the slot map (every 2 s).
    expect(await subscribers(from, prefix + topic, 'shard')).toBe(0);
    await waitUntil(async () => (await subscribers(to, prefix + topic, 'shard')) === 1, {
      timeoutMs: 8_000,
      message: 'the subscription did not follow its slot to the new owner',
    });
    await publisher.publish(topic, { n: 1 });
    expect(await channel.next()).toEqual({ value: { n: 1 }, done: false });
    await channel.return();
  });

  it('keeps presence on the cluster: online while held, offline with lastSeenAt after the grace period, all keys in one slot', async () => {
    const presencePrefix = `test-presence-${randomUUID()}:`;
    const [router, users] = [
      createPresenceStore({ redisCluster: cluster.config, prefix: presencePrefix }),
      createPresenceStore({ redisCluster: cluster.config, prefix: presencePrefix }),
    ];
    try {
      const people = Array.from({ length: 20 }, () => ({ userId: randomUUID(), connectionId: randomUUID() }));
      await router.hold(people, 60_000);
      const online = await users.read(people.map((person) => person.userId));
      expect([...online.values()].every((state) => state.online && state.lastSeenAt === null)).toBe(true);

      const before = Date.now();
      await router.release(people[0]!, 0);
      const [gone, stillHere] = [people[0]!.userId, people[1]!.userId];
      const states = await users.read([gone, stillHere, randomUUID()]);
      expect(states.get(gone)?.online).toBe(false);
      expect(states.get(gone)?.lastSeenAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(states.get(stillHere)).toEqual({ online: true, lastSeenAt: null });

      // The last-seen hash and the 19 live connection sets (the released one has lapsed), on one node.
      const owner = await cluster.ownerOf(`{${presencePrefix}}lastSeen`);
      for (const port of cluster.ports) {
        expect(await nodes.get(port)!.keys(`{${presencePrefix}}*`)).toHaveLength(port === owner ? people.length : 0);
      }
    } finally {
      await Promise.all([router.close(), users.close()]);
    }
  });
});
