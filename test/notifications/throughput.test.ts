import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotificationsFixture, type NotificationsFixture } from './fixture.js';

/** Idle workers poll this seldom here, so that anything faster is the wake-up's doing. */
const POLLING_SECONDS = 5;

let f: NotificationsFixture;

beforeAll(async () => {
  // The fan-out waits 1.5 s for push services (the loopback one answers a burst of 80 well within
  // that even while other test files load both cores); a push service may take 4 s.
  f = await startNotificationsFixture({ pollingIntervalSeconds: POLLING_SECONDS, directBudgetMs: 1500, pushTimeoutMs: 4000 });
});

afterAll(async () => {
  await f?.close();
});

/** How many transactions completed the events: those completed together share their completion time. */
async function batchesOf(messageIds: string[]): Promise<number> {
  const [row] = await f.sql<{ batches: number; completed: number }>(
    `select count(distinct completed_on)::int as batches, count(*)::int as completed
       from pgboss.job where name = 'message-sent' and state = 'completed' and id = any($1::uuid[])`,
    [messageIds],
  );
  expect(row!.completed).toBe(messageIds.length);
  return row!.batches;
}

describe('push notifications under a burst of messages', () => {
  it('wakes the workers when a message is sent, instead of leaving it to their poll', async () => {
    const [alice, bob] = await Promise.all([f.user('alice'), f.user('bob')]);
    const bobDevice = await f.device(bob);
    const conversationId = await f.conversation(alice, [bob]);
    // The workers fetched when they started, moments ago: their next poll is seconds away.
    const started = Date.now();
    await f.send(alice, conversationId, 'are you there?');
    const [push] = await f.push.waitForDelivered(bobDevice.id, 1, POLLING_SECONDS * 1000);
    expect(push!.at - started).toBeLessThan(1500);
  });

  it('pushes 40 messages sent within a second to two offline members in batches, with no job per push, within seconds', async () => {
    const [alice, bob, carol, dave] = await Promise.all([f.user('alice'), f.user('bob'), f.user('carol'), f.user('dave')]);
    const [bobDevice, carolDevice] = await Promise.all([f.device(bob), f.device(carol)]);
    const conversationId = await f.conversation(alice, [bob, carol, dave], 'GROUP', 'Busy room');
    const sent = await Promise.all(Array.from({ length: 40 }, (_, n) => f.send(alice, conversationId, `message ${n}`)));
    const lastSent = Date.now();

    const pushes = await Promise.all([f.push.waitForDelivered(bobDevice.id, 40), f.push.waitForDelivered(carolDevice.id, 40)]);
    const lastPush = Math.max(...pushes.flat().map((push) => push.at));
    // Before batching, 40 messages took 41 s to push; one at a time, behind a 2 s poll.
    expect(lastPush - lastSent).toBeLessThan(5000);
    for (const received of pushes) {
      expect(received.map((push) => push.payload.seq as number).sort((a, b) => a - b)).toEqual(
        sent.map((message) => message.seq).sort((a, b) => a - b),
      );
      // One burst: the counts rise with the messages, each once.
      expect(new Set(received.map((push) => push.payload.count)).size).toBe(40);
    }
    await f.settled(sent.map((message) => message.id));
    // Every push went out on the fan-out's own attempt and was recorded with it.
    expect(
      await f.sql(`select 1 from pgboss.job where name = 'push' and data->>'messageId' = any($1::text[])`, [sent.map((m) => m.id)]),
    ).toEqual([]);
    const [recorded] = await f.sql<{ n: number }>(
      `select count(*)::int as n from notifications.delivery where message_id = any($1::text[])`,
      [sent.map((message) => message.id)],
    );
    expect(recorded!.n).toBe(80);
    expect(f.push.refused).toEqual([]);
  });

  it('consumes a backlog of 40 events in a batch or two, not one transaction per message', async () => {
    const [alice, bob, carol] = await Promise.all([f.user('alice'), f.user('bob'), f.user('carol')]);
    const [bobDevice, carolDevice] = await Promise.all([f.device(bob), f.device(carol)]);
    const conversationId = await f.conversation(alice, [bob, carol], 'GROUP', 'Backlog');
    await f.stack.notifications.stop();
    const sent = [];
    try {
      for (let n = 0; n < 40; n++) sent.push(await f.send(alice, conversationId, `queued ${n}`));
    } finally {
      await f.stack.notifications.start();
    }
    await Promise.all([f.push.waitForDelivered(bobDevice.id, 40), f.push.waitForDelivered(carolDevice.id, 40)]);
    await f.settled(sent.map((message) => message.id));
    // A batch holds up to 100 events, and two workers fetch at once.
    expect(await batchesOf(sent.map((message) => message.id))).toBeLessThanOrEqual(2);
  });

  it('completes the events of a conversation where nobody can be pushed to, pushing nothing', async () => {
    const [alice, bob, carol] = await Promise.all([f.user('alice'), f.user('bob'), f.user('carol')]);
    const conversationId = await f.conversation(alice, [bob, carol], 'GROUP', 'Nobody subscribed');
    await f.stack.notifications.stop();
    const sent = [];
    try {
      for (let n = 0; n < 20; n++) sent.push(await f.send(alice, conversationId, `quiet ${n}`));
    } finally {
      await f.stack.notifications.start();
    }
    await f.settled(sent.map((message) => message.id));
    expect(await batchesOf(sent.map((message) => message.id))).toBeLessThanOrEqual(2);
    const [recorded] = await f.sql<{ n: number }>(
      `select count(*)::int as n from notifications.delivery where message_id = any($1::text[])`,
      [sent.map((message) => message.id)],
    );
    expect(recorded!.n).toBe(0);
  });
});

describe('a push service slower than the fan-out waits', () => {
  it('pushes once when the answer comes after the fan-out moved on: the late answer is recorded and its job sends nothing', async () => {
    const [alice, bob] = await Promise.all([f.user('alice'), f.user('bob')]);
    const bobDevice = await f.device(bob);
    f.push.answer(bobDevice.id, { status: 201, delayMs: 2500 });
    const conversationId = await f.conversation(alice, [bob]);
    const message = await f.send(alice, conversationId, 'slowly but surely');

    await f.push.waitForDelivered(bobDevice.id);
    // The job that backs the unanswered attempt runs once the push has surely settled, finds its record, and is done.
    await f.settled([message.id], 20_000);
    const jobs = await f.sql(`select state, data->>'recheck' as recheck from pgboss.job where name = 'push' and data->>'messageId' = $1`, [
      message.id,
    ]);
    expect(jobs).toEqual([{ state: 'completed', recheck: 'true' }]);
    expect(f.push.received(bobDevice.id)).toHaveLength(1);
    expect(await f.sql(`select 1 from notifications.delivery where message_id = $1`, [message.id])).toHaveLength(1);
  });

  it('sends again from the backing job when the late answer was a failure', async () => {
    const [alice, bob] = await Promise.all([f.user('alice'), f.user('bob')]);
    const bobDevice = await f.device(bob);
    f.push.answer(bobDevice.id, { status: 503, delayMs: 2500 });
    const conversationId = await f.conversation(alice, [bob]);
    const message = await f.send(alice, conversationId, 'second time lucky');
    await f.push.waitForDelivered(bobDevice.id, 1, 20_000);
    await f.settled([message.id], 20_000);
    expect(f.push.received(bobDevice.id).map((push) => push.status)).toEqual([503, 201]);
  });
});
