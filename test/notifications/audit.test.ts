import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MySecurityEventsDocument, UnregisterPushSubscriptionDocument } from '../support/generated/graphql.js';
import { graphql } from '../support/graphql.js';
import { REGISTER, startNotificationsFixture, type NotificationsFixture } from './fixture.js';

const AGENT = 'AuditTest/1.0 (notifications)';

let f: NotificationsFixture;

beforeAll(async () => {
  f = await startNotificationsFixture();
});

afterAll(async () => {
  await f?.close();
});

describe('the audit trail of push subscriptions', () => {
  it('records a subscription added once (not for refreshed keys) and removed once, in the owner’s security events', async () => {
    const alice = await f.user('alice');
    const browser = f.push.subscription();
    const headers = { 'user-agent': AGENT };
    const input = { endpoint: browser.endpoint, keys: browser.keys };
    const added = await graphql(f.stack.url, REGISTER, { input }, alice.accessToken, headers);
    expect(added.errors).toBeUndefined();
    expect((await graphql(f.stack.url, REGISTER, { input }, alice.accessToken, headers)).errors).toBeUndefined();
    const removed = await graphql(
      f.stack.url,
      UnregisterPushSubscriptionDocument,
      { endpoint: browser.endpoint },
      alice.accessToken,
      headers,
    );
    expect(removed.data?.unregisterPushSubscription).toBe(true);
    await graphql(f.stack.url, UnregisterPushSubscriptionDocument, { endpoint: browser.endpoint }, alice.accessToken, headers);

    const events = await graphql(f.stack.url, MySecurityEventsDocument, { first: 100 }, alice.accessToken);
    const id = added.data!.registerPushSubscription.id;
    expect(events.data!.mySecurityEvents.map((event) => [event.action, event.actor?.id, event.subjectId, event.userAgent])).toEqual([
      ['push_subscription.removed', alice.id, id, AGENT],
      ['push_subscription.added', alice.id, id, AGENT],
    ]);
  });
});
