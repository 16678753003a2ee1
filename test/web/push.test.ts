import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, CDPSession } from 'playwright-core';
import { launchChromium, messageList, openApp, screenshot, signInThroughUi, type BrowserPerson } from '../support/browser.js';
import { CreateDirectConversationDocument, MyPushSubscriptionsDocument, SendMessageSeqDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

/** The notifications subgraph's push payload, as the service worker receives it. */
function payload(conversationId: string, alice: TestUser, preview: string) {
  return { conversationId, title: alice.displayName, senderName: alice.displayName, preview, seq: 1, count: 1 };
}

// Chromium's DevTools protocol delivers a push to the service worker as the push service would;
// the notification's click is dispatched inside the worker, since a headless browser has no
// notification to click.
describe('Web Push in the PWA', () => {
  let stack: Stack;
  let browser: Browser;
  let bob: BrowserPerson;
  let alice: TestUser;
  let bobAccount: TestUser;
  let conversationId: string;
  let otherConversationId: string;
  let cdp: CDPSession;
  let registrationId: string;

  beforeAll(async () => {
    stack = await startStack({ web: true });
    [alice, bobAccount] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
    const carol = await registerUser(stack.url, 'carol');
    conversationId = (await graphql(stack.url, CreateDirectConversationDocument, { peer: bobAccount.id }, alice.accessToken)).data!
      .createConversation.id;
    otherConversationId = (await graphql(stack.url, CreateDirectConversationDocument, { peer: bobAccount.id }, carol.accessToken)).data!
      .createConversation.id;
    await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: 'hi', text: 'Hi Bob, are you there?' } },
      alice.accessToken,
    );

    browser = await launchChromium();
    bob = await openApp(browser, stack.origin);
    await bob.context.grantPermissions(['notifications'], { origin: stack.origin });
    await bob.page.goto('/sign-in');
    await signInThroughUi(bob.page, bobAccount.username, 'correct horse battery staple');
    await bob.page.waitForFunction(() => (navigator as any).serviceWorker.controller !== null);

    cdp = await bob.context.newCDPSession(bob.page);
    const registered = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL.startsWith(stack.origin) && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    registrationId = await registered;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function push(data: object): Promise<void> {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: stack.origin, registrationId, data: JSON.stringify(data) });
  }

  /** The notifications the service worker shows now. */
  function shownNotifications(): Promise<Array<{ title: string; body: string; tag: string }>> {
    return bob.page.evaluate(async () =>
      ((await (await (navigator as any).serviceWorker.ready).getNotifications()) as Array<Record<string, string>>).map((n) => ({
        title: n.title!,
        body: n.body!,
        tag: n.tag!,
      })),
    );
  }

  /** The notifications the service worker shows, once there are `count` of them. */
  async function notifications(count: number) {
    await expect.poll(shownNotifications, { timeout: 10_000, interval: 50 }).toHaveLength(count);
    return shownNotifications();
  }

  it('shows a pushed message as a notification with the sender and conversation', async () => {
    await push(payload(conversationId, alice, 'Hi Bob, are you there?'));
    expect(await notifications(1)).toEqual([
      { title: alice.displayName, body: `${alice.displayName}: Hi Bob, are you there?`, tag: conversationId },
    ]);
  });

  it('opens the conversation when the notification is clicked', async () => {
    const worker = bob.context.serviceWorkers()[0]!;
    await worker.evaluate(async () => {
      // Runs inside the service worker, where these globals exist.
      const scope = globalThis as any;
      const [notification] = await scope.registration.getNotifications();
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification }));
    });
    await bob.page.waitForURL(`**/c/${conversationId}`);
    await messageList(bob.page).getByText('Hi Bob, are you there?').waitFor();
    expect(await notifications(0)).toEqual([]);
    await screenshot(bob.page, '5-opened-from-notification');
  });

  it('shows nothing for the conversation that is open and visible', async () => {
    await push(payload(conversationId, alice, 'You are reading this already'));
    // A push for another conversation after it: once that one shows, the first was handled too.
    await push({ ...payload(otherConversationId, alice, 'Elsewhere'), title: 'Carol' });
    const shown = await notifications(1);
    expect(shown.map((n) => n.tag)).toEqual([otherConversationId]);
  });
});

describe('the notifications toggle', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack({ web: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('asks for permission, then says whether this browser is subscribed or why it could not be', async () => {
    const user = await registerUser(stack.url, 'dana');
    const person = await openApp(browser, stack.origin);
    await person.context.grantPermissions(['notifications'], { origin: stack.origin });
    await person.page.goto('/sign-in');
    await signInThroughUi(person.page, user.username, 'correct horse battery staple');
    const toggle = person.page.getByRole('checkbox', { name: 'Notifications' });
    await expect.poll(() => toggle.isEnabled()).toBe(true);
    await toggle.check({ force: true }).catch(() => undefined);
    // Subscribing needs the browser vendor's push service; where it cannot be reached (as on
    // this network-less machine) the toggle ends up off and says so, and the server stores nothing.
    // Either way the page and the server come to agree: the toggle may show checked for a moment
    // while the browser is still trying.
    const stored = async () => (await graphql(stack.url, MyPushSubscriptionsDocument, {}, user.accessToken)).data?.pushSubscriptions.length;
    await expect
      .poll(
        async () => {
          if (await toggle.isChecked()) return (await stored()) === 1 ? 'subscribed' : 'subscribing';
          const refused = await person.page.getByText(/push service could not be reached/).isVisible();
          return refused && (await stored()) === 0 ? 'refused, nothing stored' : 'waiting';
        },
        { timeout: 15_000 },
      )
      .toMatch(/^(subscribed|refused, nothing stored)$/);
  });
});
