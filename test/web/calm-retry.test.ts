import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, messageList, openApp, screenshot, sendWithEnter, signInThroughUi } from '../support/browser.js';
import { ConversationTextsDocument, CreateDirectConversationDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Sends the server refuses for a passing reason — too fast (RATE_LIMITED), a part of the product
 * down (SERVICE_UNAVAILABLE) — are shown calmly and sent again by the client itself, each once
 * and in the order written; nobody has to press Retry.
 */
describe('the web client in Chromium: refused sends go again by themselves', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      // Two sends per 3 s (and one of burst): the third of a quick series is refused.
      startStack({ web: true, rateLimits: { send: { points: 2, durationSeconds: 3 }, sendBurst: { points: 1, durationSeconds: 3 } } }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function storedTexts(reader: TestUser, conversationId: string) {
    const history = await graphql(stack.url, ConversationTextsDocument, { id: conversationId }, reader.accessToken);
    return history.data!.conversation!.messages.edges.map((edge) => edge.node.text);
  }

  async function openConversation(): Promise<{ alice: TestUser; conversationId: string; page: Page }> {
    const [alice, bob] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
    const created = await graphql(stack.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
    const conversationId = created.data!.createConversation.id;
    const { page } = await openApp(browser, stack.origin);
    await signInThroughUi(page, alice.username, PASSWORD);
    await page.getByRole('link', { name: new RegExp(bob.displayName) }).click();
    await page.getByRole('heading', { name: bob.displayName, level: 2 }).waitFor();
    return { alice, conversationId, page };
  }

  const row = (page: Page, text: string) => messageList(page).getByRole('listitem').filter({ hasText: text });

  it('too fast: "Slow down — sending again in N s", then every message is stored once, in order', async () => {
    const { alice, conversationId, page } = await openConversation();
    const texts = ['one', 'two', 'three', 'four', 'five'];
    for (const text of texts) await sendWithEnter(page, text);

    await row(page, 'four')
      .getByText(/^Slow down — sending again in \d+ s$/)
      .waitFor({ timeout: 5000 });
    await screenshot(page, 'send-slow-down');
    // No Retry button: it goes by itself.
    expect(await messageList(page).getByRole('button', { name: 'Retry' }).count()).toBe(0);

    for (const text of texts) await row(page, text).getByRole('time').waitFor({ timeout: 20_000 });
    expect(await storedTexts(alice, conversationId)).toEqual(texts);
  });

  it('a part of the product down: "Not sent yet — trying again in N s", then stored once', async () => {
    const { alice, conversationId, page } = await openConversation();
    let refused = 0;
    await page.route('**/graphql', async (route) => {
      const { operationName } = JSON.parse(route.request().postData() ?? '{}');
      if (operationName === 'SendMessage' && refused < 2) {
        refused += 1;
        return route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            data: null,
            errors: [{ message: 'Chat is not available right now: try again in a moment.', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
          }),
        });
      }
      return route.continue();
    });
    await sendWithEnter(page, 'after the outage');
    await row(page, 'after the outage')
      .getByText(/^Not sent yet — trying again in \d+ s$/)
      .waitFor({ timeout: 5000 });
    await row(page, 'after the outage').getByRole('time').waitFor({ timeout: 15_000 });
    expect(refused).toBe(2);
    expect(await storedTexts(alice, conversationId)).toEqual(['after the outage']);
  });
});
