import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MuteConversationDocument,
  MuteStateDocument,
  MyPushSubscriptionsDocument,
  NotificationSettingsDocument,
  UnmuteConversationDocument,
  UnregisterPushSubscriptionDocument,
  UpdateNotificationSettingsDocument,
  VapidPublicKeyDocument,
  type PushSubscriptionInput,
} from '../support/generated/graphql.js';
import { errorCode, graphql, type TestUser } from '../support/graphql.js';
import { REGISTER, startNotificationsFixture, type NotificationsFixture } from './fixture.js';

let f: NotificationsFixture;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  f = await startNotificationsFixture();
  [alice, bob] = await Promise.all([f.user('alice'), f.user('bob')]);
});

afterAll(async () => {
  await f?.close();
});

function register(user: TestUser | null, input: PushSubscriptionInput) {
  return graphql(f.stack.url, REGISTER, { input }, user?.accessToken);
}

describe('push subscriptions', () => {
  it('hands out the VAPID public key browsers subscribe with', async () => {
    const response = await graphql(f.stack.url, VapidPublicKeyDocument, {});
    const key = Buffer.from(response.data!.vapidPublicKey, 'base64url');
    expect(key).toHaveLength(65);
    expect(key[0]).toBe(4);
  });

  it('stores a subscription per browser and lists the viewer’s own', async () => {
    const carol = await f.user('carol');
    const browser = f.push.subscription();
    const registered = await register(carol, { endpoint: browser.endpoint, keys: browser.keys, userAgent: 'Firefox on Linux' });
    expect(registered.data?.registerPushSubscription).toEqual({
      id: expect.any(String),
      endpoint: browser.endpoint,
      createdAt: expect.any(String),
    });
    const mine = await graphql(f.stack.url, MyPushSubscriptionsDocument, {}, carol.accessToken);
    expect(mine.data?.pushSubscriptions).toEqual([{ ...registered.data!.registerPushSubscription, userAgent: 'Firefox on Linux' }]);
    const others = await graphql(f.stack.url, MyPushSubscriptionsDocument, {}, bob.accessToken);
    expect(others.data?.pushSubscriptions).not.toContainEqual(expect.objectContaining({ endpoint: browser.endpoint }));
  });

  it('keeps one subscription for an endpoint registered again, with the new keys and the new owner', async () => {
    const browser = f.push.subscription();
    const first = await register(alice, { endpoint: browser.endpoint, keys: browser.keys });
    const again = await register(alice, { endpoint: browser.endpoint, keys: browser.keys });
    expect(again.data?.registerPushSubscription.id).toBe(first.data?.registerPushSubscription.id);

    // The same browser, now signed in as bob, with keys it made afresh.
    const newKeys = f.push.subscription().keys;
    const moved = await register(bob, { endpoint: browser.endpoint, keys: newKeys });
    expect(moved.data?.registerPushSubscription.id).toBe(first.data?.registerPushSubscription.id);
    const rows = await f.sql(`select user_id, p256dh, auth from notifications.push_subscription where endpoint = $1`, [browser.endpoint]);
    expect(rows).toEqual([{ user_id: bob.id, p256dh: newKeys.p256dh, auth: newKeys.auth }]);
    const alices = await graphql(f.stack.url, MyPushSubscriptionsDocument, {}, alice.accessToken);
    expect(alices.data?.pushSubscriptions).not.toContainEqual(expect.objectContaining({ endpoint: browser.endpoint }));
  });

  it('refuses a malformed endpoint or keys of the wrong length with BAD_USER_INPUT and stores nothing', async () => {
    const dave = await f.user('dave');
    const good = f.push.subscription();
    const key = (bytes: number, first = 4) => Buffer.concat([Buffer.from([first]), randomBytes(bytes - 1)]).toString('base64url');
    const cases: Array<[string, PushSubscriptionInput]> = [
      ['not a URL', { endpoint: 'push service please', keys: good.keys }],
      ['not https', { endpoint: good.endpoint.replace('https:', 'http:'), keys: good.keys }],
      ['credentials in the URL', { endpoint: good.endpoint.replace('https://', 'https://user:pw@'), keys: good.keys }],
      ['a private address', { endpoint: 'https://10.1.2.3/push/abc', keys: good.keys }],
      ['link-local', { endpoint: 'https://169.254.169.254/latest/meta-data', keys: good.keys }],
      ['IPv6 loopback', { endpoint: 'https://[::1]/push/abc', keys: good.keys }],
      ['loopback on a port not allowlisted', { endpoint: 'https://127.0.0.1:9/push/abc', keys: good.keys }],
      ['p256dh of 64 bytes', { endpoint: good.endpoint, keys: { ...good.keys, p256dh: key(64) } }],
      ['p256dh not an uncompressed point', { endpoint: good.endpoint, keys: { ...good.keys, p256dh: key(65, 2) } }],
      ['auth of 15 bytes', { endpoint: good.endpoint, keys: { ...good.keys, auth: randomBytes(15).toString('base64url') } }],
      ['auth of 32 bytes', { endpoint: good.endpoint, keys: { ...good.keys, auth: randomBytes(32).toString('base64url') } }],
      ['keys not base64url', { endpoint: good.endpoint, keys: { p256dh: '!'.repeat(87), auth: good.keys.auth } }],
    ];
    for (const [what, input] of cases) {
      const response = await register(dave, input);
      expect(errorCode(response), what).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.message.length, what).toBeGreaterThan(10);
    }
    expect((await graphql(f.stack.url, MyPushSubscriptionsDocument, {}, dave.accessToken)).data?.pushSubscriptions).toEqual([]);
    expect(await f.sql(`select 1 from notifications.push_subscription where user_id = $1`, [dave.id])).toEqual([]);
  });

  it('needs a signed-in user', async () => {
    const browser = f.push.subscription();
    expect(errorCode(await register(null, { endpoint: browser.endpoint, keys: browser.keys }))).toBe('UNAUTHENTICATED');
  });

  it('unregisters the viewer’s own subscription only', async () => {
    const browser = f.push.subscription();
    await register(alice, { endpoint: browser.endpoint, keys: browser.keys });
    const byBob = await graphql(f.stack.url, UnregisterPushSubscriptionDocument, { endpoint: browser.endpoint }, bob.accessToken);
    expect(byBob.data?.unregisterPushSubscription).toBe(false);
    const byAlice = await graphql(f.stack.url, UnregisterPushSubscriptionDocument, { endpoint: browser.endpoint }, alice.accessToken);
    expect(byAlice.data?.unregisterPushSubscription).toBe(true);
    const again = await graphql(f.stack.url, UnregisterPushSubscriptionDocument, { endpoint: browser.endpoint }, alice.accessToken);
    expect(again.data?.unregisterPushSubscription).toBe(false);
    expect(await f.sql(`select 1 from notifications.push_subscription where endpoint = $1`, [browser.endpoint])).toEqual([]);
  });
});

describe('muting', () => {
  let conversationId: string;

  beforeAll(async () => {
    conversationId = await f.conversation(alice, [bob]);
  });

  it('mutes until unmuted, and shows it on the conversation', async () => {
    expect((await graphql(f.stack.url, MuteStateDocument, { id: conversationId }, bob.accessToken)).data?.conversation).toEqual({
      id: conversationId,
      muted: false,
      mutedUntil: null,
    });
    expect((await graphql(f.stack.url, MuteConversationDocument, { id: conversationId }, bob.accessToken)).data?.muteConversation).toBe(
      true,
    );
    expect((await graphql(f.stack.url, MuteStateDocument, { id: conversationId }, bob.accessToken)).data?.conversation).toMatchObject({
      muted: true,
      mutedUntil: null,
    });
    // Only bob's: alice's view of the same conversation is unaffected.
    expect((await graphql(f.stack.url, MuteStateDocument, { id: conversationId }, alice.accessToken)).data?.conversation?.muted).toBe(
      false,
    );
    const unmuted = await graphql(f.stack.url, UnmuteConversationDocument, { id: conversationId }, bob.accessToken);
    expect(unmuted.data?.unmuteConversation).toBe(true);
    expect((await graphql(f.stack.url, MuteStateDocument, { id: conversationId }, bob.accessToken)).data?.conversation?.muted).toBe(false);
  });

  it('mutes until a given time', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await graphql(f.stack.url, MuteConversationDocument, { id: conversationId, until }, bob.accessToken)).data?.muteConversation,
    ).toBe(true);
    expect((await graphql(f.stack.url, MuteStateDocument, { id: conversationId }, bob.accessToken)).data?.conversation).toMatchObject({
      muted: true,
      mutedUntil: until,
    });
  });

  it('refuses an end in the past with BAD_USER_INPUT', async () => {
    const until = new Date(Date.now() - 1000).toISOString();
    expect(errorCode(await graphql(f.stack.url, MuteConversationDocument, { id: conversationId, until }, bob.accessToken))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('refuses a conversation the viewer is not in, or that does not exist, with FORBIDDEN', async () => {
    const stranger = await f.user('stranger');
    expect(errorCode(await graphql(f.stack.url, MuteConversationDocument, { id: conversationId }, stranger.accessToken))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(f.stack.url, MuteConversationDocument, { id: 'no-such-conversation' }, stranger.accessToken))).toBe(
      'FORBIDDEN',
    );
    expect(await f.sql(`select 1 from notifications.conversation_mute where user_id = $1`, [stranger.id])).toEqual([]);
  });
});

describe('settings', () => {
  it('starts with previews on and mentions silenced by a mute, and changes only what is given', async () => {
    const erin = await f.user('erin');
    expect((await graphql(f.stack.url, NotificationSettingsDocument, {}, erin.accessToken)).data?.notificationSettings).toEqual({
      showPreviews: true,
      notifyMentionsWhenMuted: false,
    });
    await graphql(f.stack.url, UpdateNotificationSettingsDocument, { input: { notifyMentionsWhenMuted: true } }, erin.accessToken);
    const updated = await graphql(f.stack.url, UpdateNotificationSettingsDocument, { input: { showPreviews: false } }, erin.accessToken);
    expect(updated.data?.updateNotificationSettings).toEqual({ showPreviews: false, notifyMentionsWhenMuted: true });
    expect((await graphql(f.stack.url, NotificationSettingsDocument, {}, erin.accessToken)).data?.notificationSettings).toEqual({
      showPreviews: false,
      notifyMentionsWhenMuted: true,
    });
  });
});
