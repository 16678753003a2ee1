import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  messageList,
  openApp,
  screenshot,
  sendWithEnter,
  signInThroughUi,
  type BrowserPerson,
} from '../support/browser.js';
import { ConversationTextsDocument, CreateDirectConversationDocument, SendMessageSeqDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, type TestUser } from '../support/graphql.js';
import { deferred } from '../support/async.js';
import { startStack, type Stack } from '../support/stack.js';

/** "At once": the row is there before any request has come back. */
const AT_ONCE_MS = 2000;
const PASSWORD = 'correct horse battery staple';

/** What a held request does once the test lets it go: reach the server, or fail on the way. */
type Outcome = 'continue' | 'abort';

/** One `ConversationMessages` request the browser sends, held until `release`. */
interface HeldLoad {
  /** Resolves once the browser has sent it. */
  arrived: Promise<void>;
  release(outcome?: Outcome): void;
}

/**
 * The browser's GraphQL traffic, watched at the network: the next history loads can be held, and
 * `log` records, in order, each load (`load`), each send leaving (`send <text>`) and each send's
 * answer from the server (`stored <text>`), before the browser gets it.
 */
async function watchGraphql(page: Page) {
  const log: string[] = [];
  const holds: Array<{ arrived: () => void; outcome: Promise<Outcome> }> = [];
  await page.route('**/graphql', async (route) => {
    const { operationName, variables } = JSON.parse(route.request().postData() ?? '{}');
    if (operationName === 'ConversationMessages') {
      log.push('load');
      const hold = holds.shift();
      hold?.arrived();
      const outcome = (await hold?.outcome) ?? 'continue';
      // The page may have given up on a held load meanwhile (it left the conversation).
      const settled = outcome === 'abort' ? route.abort('internetdisconnected') : route.continue();
      return settled.catch(() => undefined);
    }
    if (operationName === 'SendMessage') {
      const text = variables.input.text as string;
      log.push(`send ${text}`);
      const response = await route.fetch();
      log.push(`stored ${text}`);
      return route.fulfill({ response });
    }
    return route.continue();
  });
  return {
    log,
    holdNextLoad(): HeldLoad {
      const arrived = deferred();
      const outcome = deferred<Outcome>();
      holds.push({ arrived: arrived.resolve, outcome: outcome.promise });
      return { arrived: arrived.promise, release: (how = 'continue') => outcome.resolve(how) };
    },
  };
}

describe('the web client in Chromium: sending while a conversation loads', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ web: true }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function createDirect(owner: TestUser, peer: TestUser): Promise<string> {
    const created = await graphql(stack.url, CreateDirectConversationDocument, { peer: peer.id }, owner.accessToken);
    return created.data!.createConversation.id;
  }

  async function sendAs(sender: TestUser, conversationId: string, text: string): Promise<void> {
    const response = await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: `${sender.id}-${text}`, text } },
      sender.accessToken,
    );
    if (!response.data) throw new Error(`send failed: ${JSON.stringify(response.errors)}`);
  }

  /** The stored texts, in seq order, as `reader` gets them from the API. */
  async function storedTexts(reader: TestUser, conversationId: string) {
    const history = await graphql(stack.url, ConversationTextsDocument, { id: conversationId }, reader.accessToken);
    return history.data!.conversation!.messages.edges.map((edge) => edge.node.text);
  }

  /** Alice and Bob with a direct chat and some history; Alice is signed in in the browser, on her list. */
  async function aliceAndBob(): Promise<{ alice: TestUser; bob: TestUser; conversationId: string; person: BrowserPerson }> {
    const [alice, bob] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
    const conversationId = await createDirect(alice, bob);
    await sendAs(bob, conversationId, 'history from Bob');
    await sendAs(alice, conversationId, 'history from Alice');
    const person = await openApp(browser, stack.origin);
    await signInThroughUi(person.page, alice.username, PASSWORD);
    return { alice, bob, conversationId, person };
  }

  function row(page: Page, text: string) {
    return messageList(page).getByRole('listitem').filter({ hasText: text });
  }

  it('shows what is sent before the history has loaded as "Sending…" at once, then delivers it in order after the history', async () => {
    const { bob, conversationId, person } = await aliceAndBob();
    const { page } = person;
    const network = await watchGraphql(page);
    const load = network.holdNextLoad();

    await page.getByRole('link', { name: new RegExp(bob.displayName) }).click();
    await load.arrived;
    await page.getByRole('status').filter({ hasText: 'Loading messages…' }).waitFor();
    await sendWithEnter(page, 'first');
    await sendWithEnter(page, 'second');

    for (const text of ['first', 'second']) await row(page, text).getByText('Sending…').waitFor({ timeout: AT_ONCE_MS });
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe('');
    await screenshot(page, 'composer-sending-while-loading');
    // Nothing went out yet: sending before the history is there would have the row vanish until it comes.
    expect(network.log).toEqual(['load']);

    load.release();
    const items = messageList(page).getByRole('listitem');
    await row(page, 'second').getByRole('time').waitFor();
    await row(page, 'first').getByRole('time').waitFor();
    expect(await items.allInnerTexts()).toEqual([
      expect.stringContaining('history from Bob'),
      expect.stringContaining('history from Alice'),
      expect.stringContaining('first'),
      expect.stringContaining('second'),
    ]);
    // One after the other, in the order written: the second leaves once the first is stored.
    expect(network.log).toEqual(['load', 'send first', 'stored first', 'send second', 'stored second']);
    expect(await storedTexts(bob, conversationId)).toEqual(['history from Bob', 'history from Alice', 'first', 'second']);
    expect(person.problems).toEqual([]);
  }, 60_000);

  it('marks a message written while a conversation that is not hers loads as failed, with the reason; Retry asks again instead of sending', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(stack.url, 'alice'),
      registerUser(stack.url, 'bob'),
      registerUser(stack.url, 'carol'),
    ]);
    const theirs = await createDirect(bob, carol);
    const person = await openApp(browser, stack.origin);
    const { page } = person;
    await signInThroughUi(page, alice.username, PASSWORD);
    const network = await watchGraphql(page);
    const load = network.holdNextLoad();

    await page.goto(`/c/${theirs}`);
    await load.arrived;
    await sendWithEnter(page, 'hello, anyone?');
    const item = row(page, 'hello, anyone?');
    await item.getByText('Sending…').waitFor({ timeout: AT_ONCE_MS });

    load.release();
    const failed = item.getByText('Failed to send');
    await failed.waitFor();
    expect(await failed.getAttribute('title')).toBe('You are not a member of this conversation.');
    await page.getByRole('alert').filter({ hasText: 'Messages could not be loaded.' }).waitFor();

    // Retry loads the conversation again and waits for it, rather than sending blindly.
    const again = network.holdNextLoad();
    await item.getByRole('button', { name: 'Retry' }).click();
    await again.arrived;
    await item.getByText('Sending…').waitFor({ timeout: AT_ONCE_MS });
    again.release();
    await item.getByText('Failed to send').waitFor();
    expect(network.log).toEqual(['load', 'load']);
    expect(await storedTexts(bob, theirs)).toEqual([]);
  }, 60_000);

  it('sends a message that failed because the history could not be loaded once Retry has loaded it', async () => {
    const { bob, conversationId, person } = await aliceAndBob();
    const { page } = person;
    const network = await watchGraphql(page);
    const load = network.holdNextLoad();

    await page.getByRole('link', { name: new RegExp(bob.displayName) }).click();
    await load.arrived;
    await sendWithEnter(page, 'through a flaky network');
    const item = row(page, 'through a flaky network');
    await item.getByText('Sending…').waitFor({ timeout: AT_ONCE_MS });
    load.release('abort');
    const failed = item.getByText('Failed to send');
    await failed.waitFor();
    expect(await failed.getAttribute('title')).toMatch(/cannot be reached/);

    await item.getByRole('button', { name: 'Retry' }).click();
    await item.getByRole('time').waitFor();
    expect(network.log).toEqual(['load', 'load', 'send through a flaky network', 'stored through a flaky network']);
    expect(await storedTexts(bob, conversationId)).toEqual(['history from Bob', 'history from Alice', 'through a flaky network']);
  }, 60_000);

  it('still delivers a message that waits for the history when she leaves the conversation before it loads', async () => {
    const { bob, conversationId, person } = await aliceAndBob();
    const { page } = person;
    const network = await watchGraphql(page);
    const load = network.holdNextLoad();

    await page.getByRole('link', { name: new RegExp(bob.displayName) }).click();
    await load.arrived;
    await sendWithEnter(page, 'on my way out');
    await row(page, 'on my way out').getByText('Sending…').waitFor({ timeout: AT_ONCE_MS });
    await page.goBack();
    await messageList(page).waitFor({ state: 'detached' });

    await expect.poll(() => network.log.includes('stored on my way out')).toBe(true);
    load.release();
    expect(await storedTexts(bob, conversationId)).toEqual(['history from Bob', 'history from Alice', 'on my way out']);
  }, 60_000);
});
