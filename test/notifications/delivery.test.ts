import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, JobQueue } from '@chirpchat/kit';
import { messageSentQueue, type MessageSentEvent } from '@chirpchat/kit/contracts';
import {
  MuteConversationDocument,
  MyPushSubscriptionIdsDocument,
  SendMessageIdDocument,
  UpdateNotificationSettingsDocument,
  VapidPublicKeyDocument,
} from '../support/generated/graphql.js';
import { graphql, type TestUser } from '../support/graphql.js';
import { REGISTER, startNotificationsFixture, type NotificationsFixture } from './fixture.js';

let f: NotificationsFixture;
let vapidPublicKey: string;

beforeAll(async () => {
  f = await startNotificationsFixture();
  vapidPublicKey = (await graphql(f.stack.url, VapidPublicKeyDocument, {})).data!.vapidPublicKey;
});

afterAll(async () => {
  await f?.close();
});

/** The push jobs a message left: one per delivery that needed another try after the fan-out's own attempt. */
async function pushJobsFor(messageId: string): Promise<Array<{ subscriptionId: string; state: string }>> {
  return f.sql(
    `select data->>'subscriptionId' as "subscriptionId", state from pgboss.job where name = 'push' and data->>'messageId' = $1`,
    [messageId],
  );
}

describe('who gets a push', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;

  beforeAll(async () => {
    [alice, bob, carol, dave] = await Promise.all([f.user('alice'), f.user('bob'), f.user('carol'), f.user('dave')]);
  });

  it('pushes to an offline member, and not to an online member, a member who muted, or the sender', async () => {
    const [aliceDevice, bobDevice, carolDevice, daveDevice] = await Promise.all([
      f.device(alice),
      f.device(bob),
      f.device(carol),
      f.device(dave),
    ]);
    const conversationId = await f.conversation(alice, [bob, carol, dave], 'GROUP', 'Weekend plans');
    f.online.add(carol.id);
    const muted = await graphql(f.stack.url, MuteConversationDocument, { id: conversationId }, dave.accessToken);
    expect(muted.data?.muteConversation).toBe(true);

    const message = await f.send(alice, conversationId, 'Shall we go hiking on Saturday?');
    const [push] = await f.push.waitForDelivered(bobDevice.id);

    expect(push!.payload).toEqual({
      conversationId,
      title: 'Weekend plans',
      senderName: alice.displayName,
      preview: 'Shall we go hiking on Saturday?',
      seq: message.seq,
      count: 1,
    });
    expect(push!.vapidKey).toBe(vapidPublicKey);
    expect(push!.ttl).toBe(3600);
    expect(push!.urgency).toBe('normal');
    expect(push!.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    await f.settled([message.id]);
    // The fan-out pushed at once and recorded the delivery with its event's completion: no job was needed.
    expect(await pushJobsFor(message.id)).toEqual([]);
    expect(
      await f.sql(`select subscription_id as "subscriptionId" from notifications.delivery where message_id = $1`, [message.id]),
    ).toEqual([{ subscriptionId: bobDevice.subscriptionId }]);
    for (const device of [aliceDevice, carolDevice, daveDevice]) expect(f.push.received(device.id)).toEqual([]);
    expect(f.push.received(bobDevice.id)).toHaveLength(1);
    expect(f.push.refused).toEqual([]);
    f.online.delete(carol.id);
  });

  it('pushes a direct message with high urgency, titled with the sender’s name', async () => {
    const bobDevice = await f.device(bob);
    const conversationId = await f.conversation(carol, [bob], 'DIRECT');
    await f.send(carol, conversationId, 'Are you there?');
    const [push] = await f.push.waitForDelivered(bobDevice.id);
    expect(push!.urgency).toBe('high');
    expect(push!.payload).toMatchObject({
      conversationId,
      title: carol.displayName,
      senderName: carol.displayName,
      preview: 'Are you there?',
    });
  });

  it('leaves the preview out for someone who turned previews off, and shortens long text', async () => {
    const [eve, frank] = await Promise.all([f.user('eve'), f.user('frank')]);
    const [eveDevice, frankDevice] = await Promise.all([f.device(eve), f.device(frank)]);
    const off = await graphql(f.stack.url, UpdateNotificationSettingsDocument, { input: { showPreviews: false } }, eve.accessToken);
    expect(off.data?.updateNotificationSettings).toEqual({ showPreviews: false, notifyMentionsWhenMuted: false });
    const conversationId = await f.conversation(alice, [eve, frank]);
    await f.send(alice, conversationId, `secret ${'x'.repeat(300)}`);
    const [[toEve], [toFrank]] = await Promise.all([f.push.waitForDelivered(eveDevice.id), f.push.waitForDelivered(frankDevice.id)]);
    expect(toEve!.payload).toMatchObject({ senderName: alice.displayName, preview: null });
    const preview = toFrank!.payload.preview as string;
    expect([...preview]).toHaveLength(140);
    expect(preview.startsWith('secret xxx')).toBe(true);
    expect(preview.endsWith('…')).toBe(true);
  });

  it('pushes to every device of a recipient', async () => {
    const [phone, laptop] = [await f.device(dave), await f.device(dave)];
    const conversationId = await f.conversation(bob, [dave]);
    await f.send(bob, conversationId, 'to both of your devices');
    const [[onPhone], [onLaptop]] = await Promise.all([f.push.waitForDelivered(phone.id), f.push.waitForDelivered(laptop.id)]);
    expect(onPhone!.payload).toEqual(onLaptop!.payload);
  });

  it('pushes a mention in a muted conversation to whoever asked for that, with high urgency', async () => {
    const [gina, hal] = await Promise.all([f.user('gina'), f.user('hal')]);
    const [ginaDevice, halDevice] = await Promise.all([f.device(gina), f.device(hal)]);
    const conversationId = await f.conversation(alice, [gina, hal]);
    for (const user of [gina, hal]) await graphql(f.stack.url, MuteConversationDocument, { id: conversationId }, user.accessToken);
    await graphql(f.stack.url, UpdateNotificationSettingsDocument, { input: { notifyMentionsWhenMuted: true } }, gina.accessToken);

    // Chat fills mentionedUserIds once it parses mentions; until then the event is enqueued here as chat would.
    const jobs = await JobQueue.start({
      databaseUrl: f.stack.databaseUrl,
      logger: createLogger({ level: 'silent' }),
      maintenance: false,
      poolSize: 1,
    });
    const messageId = randomUUID();
    const event: MessageSentEvent = {
      messageId,
      conversationId,
      conversationKind: 'GROUP',
      conversationTitle: 'Team',
      seq: 1,
      senderId: alice.id,
      senderName: alice.displayName,
      text: '@gina @hal have a look',
      recipientIds: [gina.id, hal.id],
      mentionedUserIds: [gina.id, hal.id],
    };
    try {
      await jobs.boss.send(messageSentQueue.name, event, { id: messageId });
    } finally {
      await jobs.stop();
    }
    const [push] = await f.push.waitForDelivered(ginaDevice.id);
    expect(push!.urgency).toBe('high');
    expect(push!.payload).toMatchObject({ conversationId, preview: '@gina @hal have a look' });
    await f.settled([messageId]);
    expect(f.push.received(halDevice.id)).toEqual([]);
  });

  it('pushes again once a mute has ended', async () => {
    const bobDevice = await f.device(bob);
    const conversationId = await f.conversation(alice, [bob]);
    const until = new Date(Date.now() + 60_000).toISOString();
    await graphql(f.stack.url, MuteConversationDocument, { id: conversationId, until }, bob.accessToken);
    await f.sql(`update notifications.conversation_mute set until = now() - interval '1 second' where conversation_id = $1`, [
      conversationId,
    ]);
    await f.send(alice, conversationId, 'the mute is over');
    const [push] = await f.push.waitForDelivered(bobDevice.id);
    expect(push!.payload).toMatchObject({ conversationId, preview: 'the mute is over' });
  });

  it('collapses a burst into one topic with a rising count', async () => {
    const bobDevice = await f.device(bob);
    const conversationId = await f.conversation(alice, [bob]);
    const sent = [];
    for (const text of ['one', 'two', 'three']) sent.push(await f.send(alice, conversationId, text));
    const pushes = await f.push.waitForDelivered(bobDevice.id, 3);
    expect(pushes.map((push) => push.payload.count as number).sort((a, b) => a - b)).toEqual([1, 2, 3]);
    expect(new Set(pushes.map((push) => push.topic)).size).toBe(1);
    expect(pushes.map((push) => push.payload.seq as number).sort((a, b) => a - b)).toEqual(sent.map((message) => message.seq));
  });

  it('starts a new burst once the recipient has been seen online', async () => {
    const bobDevice = await f.device(bob);
    const conversationId = await f.conversation(alice, [bob]);
    await f.send(alice, conversationId, 'first');
    await f.push.waitForDelivered(bobDevice.id, 1);
    f.online.add(bob.id);
    const whileOnline = await f.send(alice, conversationId, 'read live');
    await f.settled([whileOnline.id]);
    f.online.delete(bob.id);
    await f.send(alice, conversationId, 'after');
    const pushes = await f.push.waitForDelivered(bobDevice.id, 2);
    expect(pushes.map((push) => [push.payload.preview, push.payload.count])).toEqual([
      ['first', 1],
      ['after', 1],
    ]);
  });
});

describe('what the push service answers', () => {
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([f.user('alice'), f.user('bob')]);
  });

  it('deletes a subscription the push service answers 410 for, without retrying', async () => {
    const bobDevice = await f.device(bob);
    f.push.answer(bobDevice.id, { status: 410 });
    const conversationId = await f.conversation(alice, [bob]);
    const message = await f.send(alice, conversationId, 'anyone?');
    await f.settled([message.id]);
    expect(f.push.received(bobDevice.id).map((push) => push.status)).toEqual([410]);
    expect(await f.sql(`select 1 from notifications.push_subscription where id = $1`, [bobDevice.subscriptionId])).toEqual([]);
    const mine = await graphql(f.stack.url, MyPushSubscriptionIdsDocument, {}, bob.accessToken);
    expect(mine.data?.pushSubscriptions).not.toContainEqual({ id: bobDevice.subscriptionId });
  });

  it('waits out a 429 for its Retry-After, then delivers exactly once', async () => {
    const bobDevice = await f.device(bob);
    f.push.answer(bobDevice.id, { status: 429, headers: { 'retry-after': '1' } });
    const conversationId = await f.conversation(alice, [bob]);
    const message = await f.send(alice, conversationId, 'slow down');
    const [delivered] = await f.push.waitForDelivered(bobDevice.id);
    await f.settled([message.id]);
    const [limited, accepted] = f.push.received(bobDevice.id);
    expect([limited!.status, accepted!.status]).toEqual([429, 201]);
    expect(accepted!.at - limited!.at).toBeGreaterThanOrEqual(1000);
    expect(delivered!.payload).toMatchObject({ conversationId, preview: 'slow down' });
    expect(f.push.delivered(bobDevice.id)).toHaveLength(1);
  });

  it('drops a queued push when its browser has meanwhile moved to another account', async () => {
    const carol = await f.user('carol');
    const bobDevice = await f.device(bob);
    f.push.answer(bobDevice.id, { status: 429, headers: { 'retry-after': '1' } });
    const conversationId = await f.conversation(alice, [bob]);
    const message = await f.send(alice, conversationId, 'for bob only');
    await f.push.waitForReceived(bobDevice.id);
    // The same browser, signed in as carol now, registers its endpoint again.
    await graphql(f.stack.url, REGISTER, { input: { endpoint: bobDevice.endpoint, keys: bobDevice.keys } }, carol.accessToken);
    await f.settled([message.id]);
    expect(f.push.received(bobDevice.id).map((push) => push.status)).toEqual([429]);
  });

  it('retries after a 5xx with backoff and delivers once', async () => {
    const bobDevice = await f.device(bob);
    f.push.answer(bobDevice.id, { status: 503 });
    const conversationId = await f.conversation(alice, [bob]);
    const message = await f.send(alice, conversationId, 'try again');
    await f.push.waitForDelivered(bobDevice.id);
    await f.settled([message.id]);
    expect(f.push.received(bobDevice.id).map((push) => push.status)).toEqual([503, 201]);
  });

  it('gives up after the last retry with a warning naming the subscription and the status', async () => {
    const bobDevice = await f.device(bob);
    f.push.answer(bobDevice.id, { status: 500 }, { status: 500 }, { status: 500 });
    const conversationId = await f.conversation(alice, [bob]);
    const message = await f.send(alice, conversationId, 'never arrives');
    await f.settled([message.id], 30_000);
    expect(f.push.received(bobDevice.id).map((push) => push.status)).toEqual([500, 500, 500]);
    expect(f.warnings).toContainEqual(
      expect.objectContaining({ msg: 'push given up after retries', subscriptionId: bobDevice.subscriptionId, status: 500 }),
    );
    // Still registered: a failing push service says nothing about the subscription.
    expect(await f.sql(`select 1 from notifications.push_subscription where id = $1`, [bobDevice.subscriptionId])).toHaveLength(1);
  });
});

describe('durability', () => {
  it('sends every push that fell due while notifications was down exactly once when it is back', async () => {
    const [alice, bob, carol] = await Promise.all([f.user('alice'), f.user('bob'), f.user('carol')]);
    const [bobDevice, carolDevice] = await Promise.all([f.device(bob), f.device(carol)]);
    const conversationId = await f.conversation(alice, [bob, carol]);

    await f.stack.notifications.stop();
    const sent = [];
    try {
      for (const text of ['while', 'you', 'were', 'away']) sent.push(await f.send(alice, conversationId, text));
      expect(f.push.received(bobDevice.id)).toEqual([]);
    } finally {
      await f.stack.notifications.start();
    }

    await Promise.all([f.push.waitForDelivered(bobDevice.id, 4), f.push.waitForDelivered(carolDevice.id, 4)]);
    await f.settled(sent.map((message) => message.id));
    for (const device of [bobDevice, carolDevice]) {
      const pushes = f.push.received(device.id);
      expect(pushes.map((push) => push.payload.seq as number).sort((a, b) => a - b)).toEqual(sent.map((message) => message.seq));
      expect(pushes.every((push) => push.status === 201)).toBe(true);
    }
    const deliveries = await f.sql(`select count(*)::int as n from notifications.delivery where message_id = any($1::text[])`, [
      sent.map((message) => message.id),
    ]);
    expect(deliveries[0]!.n).toBe(8);
  });
});

describe('"message sent" events from chat', () => {
  it('enqueues one event per message in the sending transaction: racing sends of one clientId leave one', async () => {
    const [alice, bob] = await Promise.all([f.user('alice'), f.user('bob')]);
    const conversationId = await f.conversation(alice, [bob], 'GROUP', 'Race');
    const input = { conversationId, clientId: 'same-key', text: 'only once' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => graphql(f.stack.url, SendMessageIdDocument, { input }, alice.accessToken)),
    );
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    const ids = new Set(results.map((result) => result.data?.sendMessage.id));
    expect(ids.size).toBe(1);
    const jobs = await f.sql(`select id, data from pgboss.job where name = 'message-sent' and data->>'conversationId' = $1`, [
      conversationId,
    ]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.id).toBe([...ids][0]);
    expect(jobs[0]!.data).toEqual({
      messageId: [...ids][0],
      conversationId,
      conversationKind: 'GROUP',
      conversationTitle: 'Race',
      seq: 1,
      senderId: alice.id,
      text: 'only once',
      recipientIds: [bob.id],
      mentionedUserIds: [],
    });
  });
});
