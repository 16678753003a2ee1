import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BoundedQueue, ErrorCode, freePort, parseRateLimits, RateLimitedError, RateLimits } from '@chirpchat/kit';
import { deferred } from '../support/async.js';
import { testRedisUrl } from '../support/environment.js';

async function refusal(attempt: Promise<unknown>): Promise<RateLimitedError> {
  const error = await attempt.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RateLimitedError);
  return error as RateLimitedError;
}

describe('RateLimits', () => {
  it('two instances on one Redis count together (as two routers or two chat instances do)', async () => {
    const redisUrl = (await testRedisUrl())!;
    const prefix = `test:${randomUUID()}:`;
    const limits = { search: { points: 3, durationSeconds: 10 } };
    const a = new RateLimits({ redisUrl, prefix, limits });
    const b = new RateLimits({ redisUrl, prefix, limits });
    try {
      await Promise.all([a.ready(), b.ready()]);
      expect(a.store).toBe('redis');
      await a.consume('search', 'user-1');
      await b.consume('search', 'user-1');
      await a.consume('search', 'user-1');
      const refused = await refusal(b.consume('search', 'user-1'));
      expect(refused.extensions).toMatchObject({ code: ErrorCode.RATE_LIMITED });
      expect(refused.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.extensions.retryAfterSeconds).toBeLessThanOrEqual(10);
      // Someone else has their own budget.
      await b.consume('search', 'user-2');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('with Redis unreachable a call neither hangs nor fails: it counts in memory, and the limit still holds', async () => {
    const limits = new RateLimits({
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      limits: { typing: { points: 2, durationSeconds: 10 } },
    });
    try {
      const started = Date.now();
      await limits.consume('typing', 'user-1');
      await limits.consume('typing', 'user-1');
      await refusal(limits.consume('typing', 'user-1'));
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await limits.close();
    }
  });

  it('`off` lets everything through', async () => {
    const limits = new RateLimits({ limits: 'off' });
    for (let i = 0; i < 100; i++) await limits.consume('typing', 'user-1');
    await limits.beforeSignIn('someone', null);
  });

  it('RATE_LIMITS is checked at start-up: unknown limits and bad values are named', () => {
    expect(parseRateLimits('off')).toBe('off');
    expect(parseRateLimits('{"send":{"points":10}}')).toEqual({ send: { points: 10 } });
    expect(parseRateLimits('{"sned":{"points":10}}')).toMatch(/limits: signInAccount, .*send/);
    expect(parseRateLimits('{"send":{"points":0}}')).toMatch(/send\.points/);
    expect(parseRateLimits('nope')).toMatch(/must be "off" or JSON/);
  });
});

describe('BoundedQueue (password hashing)', () => {
  it('runs at most `concurrency` at once, queues up to `queue`, and refuses the rest at once with RATE_LIMITED', async () => {
    const queue = new BoundedQueue(1, 2);
    const gate = deferred();
    let running = 0;
    let most = 0;
    const work = async () => {
      running += 1;
      most = Math.max(most, running);
      await gate.promise;
      running -= 1;
    };
    const accepted = [queue.run(work), queue.run(work), queue.run(work)];
    const refused = await refusal(queue.run(work));
    expect(refused.extensions.retryAfterSeconds).toBe(1);
    gate.resolve();
    await Promise.all(accepted);
    expect(most).toBe(1);
    // Free again once the queue drained.
    await queue.run(async () => undefined);
  });
});
