import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  launchChromium,
  messageList,
  newAccount,
  openApp,
  registerThroughUi,
  screenshot,
  screenshotDir,
  sendWithEnter,
  type BrowserPerson,
} from '../support/browser.js';
import { startStack, type Stack } from '../support/stack.js';

/** "Without reload, within a second or two." */
const LIVE_MS = 2000;

describe('the web client in Chromium: two people chat live', () => {
  let stack: Stack;
  let browser: Browser;
  const people: BrowserPerson[] = [];
  const aliceAccount = newAccount('alice');
  const bobAccount = newAccount('bob');

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ web: true }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    console.log(`Screenshots of the web client: ${screenshotDir}`);
  });

  it('registers two people through the UI, who start a direct chat and see each other’s messages live; a reload keeps session and history', async () => {
    const alice = await openApp(browser, stack.origin);
    const bob = await openApp(browser, stack.origin);
    people.push(alice, bob);

    // Signed out, the app opens on the sign-in screen.
    await alice.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(new URL(alice.page.url()).pathname).toBe('/sign-in');
    await screenshot(alice.page, '1-sign-in');

    await Promise.all([registerThroughUi(alice.page, aliceAccount), registerThroughUi(bob.page, bobAccount)]);

    // Alice finds Bob and starts a direct chat.
    await alice.page.getByRole('link', { name: 'New chat' }).click();
    await alice.page.getByLabel('Search people').fill(bobAccount.username);
    await alice.page.getByRole('button', { name: `Chat with ${bobAccount.displayName}` }).click();
    await alice.page.getByRole('heading', { name: bobAccount.displayName, level: 2 }).waitFor();
    await sendWithEnter(alice.page, 'Hi Bob, it is Alice!');
    await messageList(alice.page).getByRole('listitem').filter({ hasText: 'Hi Bob, it is Alice!' }).getByRole('time').waitFor();

    // Bob's list shows the new conversation with an unread badge, without a reload.
    const fromAlice = bob.page.getByRole('link', { name: new RegExp(`${aliceAccount.displayName}.*Hi Bob, it is Alice!.*1 unread`) });
    await fromAlice.waitFor({ timeout: LIVE_MS + 2000 });
    await screenshot(bob.page, '2-conversation-list');

    await fromAlice.click();
    await messageList(bob.page).getByRole('listitem').filter({ hasText: 'Hi Bob, it is Alice!' }).waitFor();
    await expect.poll(() => bob.page.getByRole('link', { name: /unread/ }).count(), { timeout: 5000 }).toBe(0);

    // Both ways, live, within a second or two.
    let started = Date.now();
    await sendWithEnter(bob.page, 'Hello Alice! Bob here.');
    await messageList(alice.page).getByRole('listitem').filter({ hasText: 'Hello Alice! Bob here.' }).waitFor({ timeout: LIVE_MS });
    const bobToAlice = Date.now() - started;

    started = Date.now();
    await sendWithEnter(alice.page, 'Lovely to see this arrive at once.');
    await messageList(bob.page)
      .getByRole('listitem')
      .filter({ hasText: 'Lovely to see this arrive at once.' })
      .waitFor({ timeout: LIVE_MS });
    const aliceToBob = Date.now() - started;
    console.log(`live delivery in the browser: Bob → Alice ${bobToAlice} ms, Alice → Bob ${aliceToBob} ms`);

    // Shift+Enter writes a new line; Enter sends the two lines as one message.
    const composer = bob.page.getByLabel('Message', { exact: true });
    await composer.fill('first line');
    await composer.press('Shift+Enter');
    await composer.pressSequentially('second line');
    await composer.press('Enter');
    const twoLines = messageList(alice.page).getByRole('listitem').filter({ hasText: 'second line' });
    await twoLines.waitFor({ timeout: LIVE_MS });
    expect(await twoLines.locator('.message-text').innerText()).toBe('first line\nsecond line');

    await screenshot(alice.page, '3-conversation');

    const history = ['Hi Bob, it is Alice!', 'Hello Alice! Bob here.', 'Lovely to see this arrive at once.', 'second line'];
    const expectEachOnce = async (person: BrowserPerson) => {
      const items = messageList(person.page).getByRole('listitem');
      await expect.poll(() => items.count()).toBe(history.length);
      for (const text of history) expect(await items.filter({ hasText: text }).count()).toBe(1);
    };
    await expectEachOnce(alice);
    await expectEachOnce(bob);

    // A reload keeps the session and the history.
    const conversationUrl = alice.page.url();
    await alice.page.reload();
    await alice.page.getByRole('heading', { name: bobAccount.displayName, level: 2 }).waitFor();
    expect(alice.page.url()).toBe(conversationUrl);
    await expectEachOnce(alice);
    await alice.page.getByRole('button', { name: 'Sign out' }).waitFor();

    // Still live after the reload.
    await sendWithEnter(bob.page, 'Still here after your reload?');
    await messageList(alice.page).getByRole('listitem').filter({ hasText: 'Still here after your reload?' }).waitFor({ timeout: LIVE_MS });

    for (const person of [alice, bob]) {
      expect(person.problems).toEqual([]);
      expect(person.dialogs).toEqual([]);
    }
  }, 90_000);

  it('shows markup in a message as text: no dialog, no image element', async () => {
    const [alice, bob] = people;
    if (!alice || !bob) throw new Error('runs after the first test, in the conversation it opened');
    const payload = '<img src=x onerror=alert(1)>';
    await sendWithEnter(alice.page, payload);
    const shown = messageList(bob.page).getByRole('listitem').filter({ hasText: payload });
    await shown.waitFor({ timeout: LIVE_MS });
    expect(await shown.locator('.message-text').innerText()).toBe(payload);
    // The list preview shows it as text too.
    await bob.page.getByRole('navigation').getByText(payload, { exact: true }).waitFor();
    for (const person of [alice, bob]) {
      expect(await messageList(person.page).locator('img').count()).toBe(0);
      expect(await person.page.locator('nav img, main img').count()).toBe(0);
      expect(person.dialogs).toEqual([]);
      expect(person.problems).toEqual([]);
    }
    // A web address becomes a safe link, built from text.
    await sendWithEnter(alice.page, 'see https://example.com/docs?a=1&b=<2>. thanks');
    const link = messageList(bob.page).getByRole('link', { name: 'https://example.com/docs?a=1&b=' });
    await link.waitFor({ timeout: LIVE_MS });
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
  }, 60_000);

  it('creates a group, which appears live in the other member’s list', async () => {
    const [alice, bob] = people;
    if (!alice || !bob) throw new Error('runs after the first test');
    const bobName = bobAccount.displayName;
    await alice.page.getByRole('link', { name: 'New chat' }).click();
    await alice.page.getByLabel('Search people').fill(bobName);
    await alice.page.getByLabel(`Add ${bobName} to group`).check();
    await alice.page.getByLabel('Group name (optional)').fill('Weekend plans');
    await alice.page.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { name: 'Weekend plans', level: 2 }).waitFor();
    await alice.page.getByText('2 members').waitFor();
    await sendWithEnter(alice.page, 'Hiking on Saturday?');

    const group = bob.page.getByRole('link', { name: /Weekend plans.*Hiking on Saturday\?.*1 unread/ });
    await group.waitFor({ timeout: LIVE_MS + 2000 });
    await group.click();
    const item = messageList(bob.page).getByRole('listitem').filter({ hasText: 'Hiking on Saturday?' });
    await item.waitFor();
    // In a group, the sender's name shows with their message.
    expect(await item.innerText()).toContain(aliceAccount.displayName);
  }, 60_000);

  it('opens offline after a first visit and says it is offline', async () => {
    const [alice] = people;
    if (!alice) throw new Error('runs after the first test');
    const { page, context } = alice;
    // The first visit installed the service worker and precached the app shell.
    // (Page code as strings: this project compiles without the DOM library.)
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null')).toBe(true);

    await context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole('heading', { name: 'Conversations' }).waitFor();
      await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
      await screenshot(page, '4-offline');
    } finally {
      await context.setOffline(false);
    }
    // Back online, the notice goes.
    await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor({ state: 'detached' });
  }, 60_000);
});
