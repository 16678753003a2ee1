import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Channel, createBus, transformChannel } from '@chirpchat/kit';
import { waitUntil } from '../support/async.js';
import { testRedisUrl } from '../support/environment.js';

describe('Channel', () => {
  it('ends a waiting reader and releases at once on return()', async () => {
    const channel = new Channel<number>();
    let released = 0;
    channel.onRelease(() => void released++);
    const waiting = channel.next();
    await channel.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await Promise.resolve();
    expect(released).toBe(1);
  });

  it('keeps order and drops what the transform maps to undefined', async () => {
    const source = new Channel<number>();
    const evens = transformChannel(source, async (n) => (n % 2 === 0 ? n * 10 : undefined));
    for (const n of [1, 2, 3, 4]) source.push(n);
    source.end();
    const seen: number[] = [];
    for await (const value of evens) seen.push(value);
    expect(seen).toEqual([20, 40]);
  });
});

const redisUrl = await testRedisUrl();

describe.each([
  ['memory', undefined],
  ['redis', redisUrl],
] as const)('the %s bus', (kind, url) => {
  it.skipIf(kind === 'redis' && !url)('delivers what is published after subscribe() resolves, and unsubscribes on return()', async () => {
    const bus = createBus({ redisUrl: url, prefix: `test:${process.pid}:` });
    const channel = await bus.subscribe<{ n: number }>('topic');
    await bus.publish('topic', { n: 1 });
    expect(await channel.next()).toEqual({ value: { n: 1 }, done: false });
    await channel.return();
    if (url) {
      const redis = new Redis(url);
      // unsubscribe is asynchronous on the Redis side: wait for the subscriber count to drop.
      const subscribers = async () => Number(((await redis.pubsub('NUMSUB', `test:${process.pid}:topic`)) as [string, number])[1]);
      try {
        await waitUntil(async () => (await subscribers()) === 0, { message: 'Redis still counts a subscriber after return()' });
      } finally {
        redis.disconnect();
      }
    }
    await bus.close();
  });
});
