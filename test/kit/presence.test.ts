import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { BatchLoader } from '@chirpchat/kit';
import { createPresenceStore, type PresenceStore } from '@chirpchat/kit/contracts';
import { waitUntil } from '../support/async.js';
import { testRedisUrl } from '../support/environment.js';

const redisUrl = await testRedisUrl();

describe('the in-memory presence store', () => {
  let now = 1_000_000;
  const store = createPresenceStore({ now: () => now });
  const alice = { userId: 'alice', connectionId: 'a1' };

  it('reports a user never seen as offline with no lastSeenAt', async () => {
    expect((await store.read(['nobody'])).get('nobody')).toEqual({ online: false, lastSeenAt: null });
  });

  it('keeps a released connection online through the grace period, then offline since the release', async () => {
    await store.hold([alice], 60_000);
    expect((await store.read(['alice'])).get('alice')).toEqual({ online: true, lastSeenAt: null });
    now += 5_000;
    await store.release(alice, 10_000);
    now += 9_999;
    expect((await store.read(['alice'])).get('alice')?.online).toBe(true);
    now += 1;
    expect((await store.read(['alice'])).get('alice')).toEqual({ online: false, lastSeenAt: new Date(1_005_000) });
  });

  it('stays online while another connection of the same user is live', async () => {
    const phone = { userId: 'alice', connectionId: 'a2' };
    const laptop = { userId: 'alice', connectionId: 'a3' };
    await store.hold([phone, laptop], 60_000);
    await store.release(phone, 0);
    now += 30_000;
    expect((await store.read(['alice'])).get('alice')?.online).toBe(true);
  });

  it('lets the connections of an instance that stopped heartbeating lapse after the TTL', async () => {
    const bob = { userId: 'bob', connectionId: 'b1' };
    await store.hold([bob], 60_000);
    const heldAt = now;
    now += 60_000;
    expect((await store.read(['bob'])).get('bob')).toEqual({ online: false, lastSeenAt: new Date(heldAt) });
  });
});

describe.skipIf(!redisUrl)('the Redis presence store', () => {
  const prefix = `test-presence-${randomUUID()}:`;
  const stores: PresenceStore[] = [];
  const open = () => {
    const store = createPresenceStore({ redisUrl, prefix });
    stores.push(store);
    return store;
  };

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    const redis = new Redis(redisUrl!);
    await redis.del(`${prefix}lastSeen`);
    redis.disconnect();
  });

  it('shares presence between instances: one holds the socket, another reads it', async () => {
    const router = open();
    const users = open();
    const carol = { userId: randomUUID(), connectionId: randomUUID() };
    const dave = randomUUID();
    await router.hold([carol], 60_000);
    const states = await users.read([carol.userId, dave]);
    expect(states.get(carol.userId)).toEqual({ online: true, lastSeenAt: null });
    expect(states.get(dave)).toEqual({ online: false, lastSeenAt: null });
  });

  it('reports offline with lastSeenAt once the grace period after a release has passed, and not before', async () => {
    const store = open();
    const erin = { userId: randomUUID(), connectionId: randomUUID() };
    await store.hold([erin], 60_000);
    const releasedAt = Date.now();
    await store.release(erin, 300);
    expect((await store.read([erin.userId])).get(erin.userId)?.online).toBe(true);

    // Redis's clock decides (see EXTEND_SCRIPT), so the test cannot move it: read until the grace has passed.
    const state = await waitUntil(
      async () => {
        const read = (await store.read([erin.userId])).get(erin.userId)!;
        return !read.online && read;
      },
      { message: 'still online 5 s after a release with 300 ms of grace' },
    );
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(300);
    expect(Math.abs(state.lastSeenAt!.getTime() - releasedAt)).toBeLessThan(1_000);
  });

  it('leaves no connection set behind once the last deadline has passed', async () => {
    const store = open();
    const frank = { userId: randomUUID(), connectionId: randomUUID() };
    await store.hold([frank], 60_000);
    await store.release(frank, 100);
    const redis = new Redis(redisUrl!);
    const ttl = await redis.pttl(`${prefix}connections:${frank.userId}`);
    redis.disconnect();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
  });
});

describe('BatchLoader', () => {
  it('loads the keys asked for in the same tick with one call, each key once', async () => {
    const calls: string[][] = [];
    const loader = new BatchLoader<string, number>(async (keys) => {
      calls.push(keys);
      return new Map(keys.map((key) => [key, key.length]));
    });
    const values = await Promise.all(['a', 'bb', 'a', 'ccc'].map(async (key) => loader.load(await Promise.resolve(key))));
    expect(values).toEqual([1, 2, 1, 3]);
    expect(calls).toEqual([['a', 'bb', 'ccc']]);
    expect(await loader.load('dddd')).toBe(4);
    expect(calls).toHaveLength(2);
  });
});
