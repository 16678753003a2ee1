import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus, OUTBOX_LIMIT, type Bus } from '@chirpchat/kit';
import { waitUntil } from '../support/async.js';
import { redisServerUnavailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** The bus's outbox: a publish never waits for Redis, and what waited goes out in order, within a bound. */
describe.skipIf(redisServerUnavailable())('bus outbox while Redis is down', () => {
  let redis: RedisServer;
  // The bus reaches Redis through this proxy, which the test cuts: Redis is gone for the bus only.
  let link: TcpProxy;
  let publisher: Bus;
  // A plain subscriber connected to Redis directly, so subscribed throughout the bus's outage; it
  // keeps everything it hears (a bus channel keeps at most 1,000 for a slow reader).
  let listener: Redis;
  const heard: number[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    link = await startTcpProxy(redis.port);
    publisher = createBus({ redisUrl: `redis://127.0.0.1:${link.port}`, prefix: 'outbox-test:' });
    listener = new Redis(redis.url, { maxRetriesPerRequest: null });
    listener.on('error', () => undefined);
    listener.on('message', (_channel: string, message: string) => heard.push((JSON.parse(message) as { n: number }).n));
    await listener.subscribe('outbox-test:numbers');
  });

  afterAll(async () => {
    await publisher?.close();
    listener?.disconnect();
    await link?.close();
    await redis?.close();
  });

  it('keeps at most OUTBOX_LIMIT events, drops the oldest first, and hands the rest to Redis in order once it is back', async () => {
    await waitUntil(() => publisher.health().liveDelivery === 'ok', { message: 'the bus did not connect' });
    await publisher.publish('numbers', { n: 0 });
    await waitUntil(() => heard.length === 1, { message: 'the first event did not arrive' });
    expect(publisher.health()).toEqual({ liveDelivery: 'ok', pending: 0, dropped: 0 });

    await link.cut();
    await waitUntil(() => publisher.health().liveDelivery === 'degraded', { message: 'the bus did not notice Redis went' });
    const started = performance.now();
    const extra = 3;
    for (let n = 1; n <= OUTBOX_LIMIT + extra; n++) await publisher.publish('numbers', { n });
    // Every publish resolved without Redis (before the outbox, the first one waited for it).
    expect(performance.now() - started).toBeLessThan(5000);
    expect(publisher.health()).toEqual({ liveDelivery: 'degraded', pending: OUTBOX_LIMIT, dropped: extra });

    await link.restore();
    await waitUntil(() => heard.length === OUTBOX_LIMIT + 1, {
      timeoutMs: 15_000,
      message: `${heard.length - 1} of ${OUTBOX_LIMIT} kept events arrived`,
    });
    const expected = Array.from({ length: OUTBOX_LIMIT }, (_, index) => index + extra + 1);
    expect(heard).toEqual([0, ...expected]);
    await waitUntil(() => publisher.health().liveDelivery === 'ok', { message: 'the bus still says degraded' });
    expect(publisher.health()).toEqual({ liveDelivery: 'ok', pending: 0, dropped: extra });
  }, 30_000);
});
