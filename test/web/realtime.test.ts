import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { launchChromium, messageList, openApp, sendWithEnter, signInThroughUi, type BrowserPerson } from '../support/browser.js';
import { ConversationTextsDocument, CreateDirectConversationDocument, SendMessageSeqDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, type TestUser } from '../support/graphql.js';
import { deferred } from '../support/async.js';
import { startStack, type Stack } from '../support/stack.js';

const LIVE_MS = 2000;

const PASSWORD = 'correct horse battery staple';

/** Someone using the API directly (the other side of each chat here), and the person in the browser. */
interface Chat {
  peer: TestUser;
  me: TestUser;
  conversationId: string;
  browser: BrowserPerson;
  /** Sends as the peer, through the API. */
  peerSends(text: string): Promise<void>;
}

describe('the web client in Chromium: delivery', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ web: true }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A direct chat between an API user and a browser user, who signs in through the UI and opens it. */
  async function openChat(before?: (person: BrowserPerson) => Promise<void>): Promise<Chat> {
    const [me, peer] = await Promise.all([registerUser(stack.url, 'dana'), registerUser(stack.url, 'erin')]);
    const created = await graphql(stack.url, CreateDirectConversationDocument, { peer: me.id }, peer.accessToken);
    const conversationId = created.data!.createConversation.id;
    let sent = 0;
    const peerSends = async (text: string) => {
      const response = await graphql(
        stack.url,
        SendMessageSeqDocument,
        { input: { conversationId, clientId: `peer-${sent++}`, text } },
        peer.accessToken,
      );
      if (!response.data) throw new Error(`send failed: ${JSON.stringify(response.errors)}`);
    };
    const person = await openApp(browser, stack.origin, before);
    await signInThroughUi(person.page, me.username, PASSWORD);
    await person.page.getByRole('link', { name: new RegExp(peer.displayName) }).click();
    await person.page.getByRole('heading', { name: peer.displayName, level: 2 }).waitFor();
    return { peer, me, conversationId, browser: person, peerSends };
  }

  async function expectEachOnce(page: Page, texts: string[]): Promise<void> {
    const items = messageList(page).getByRole('listitem');
    await expect.poll(() => items.count()).toBe(texts.length);
    for (const text of texts) expect(await items.filter({ hasText: text }).count()).toBe(1);
  }

  it('fetches what it missed while the socket was down (messagesSince), and shows it once', async () => {
    let dropping = false;
    const dropped = deferred();
    const sockets: WebSocketRoute[] = [];
    // The browser's WebSocket goes through a proxy here, so the test can lose events and drop the connection.
    const chat = await openChat(({ context }) =>
      context.routeWebSocket(/\/graphql$/, (socket) => {
        sockets.push(socket);
        const server = socket.connectToServer();
        socket.onMessage((message) => server.send(message));
        server.onMessage((message) => {
          if (!dropping) return socket.send(message);
          if (String(message).includes('missed while away')) dropped.resolve();
        });
      }),
    );
    const { page } = chat.browser;
    const catchUps: string[] = [];
    page.on('request', (request) => {
      if (request.postData()?.includes('MessagesSince')) catchUps.push(request.postData()!);
    });

    await chat.peerSends('before the drop');
    await messageList(page).getByRole('listitem').filter({ hasText: 'before the drop' }).waitFor({ timeout: LIVE_MS });

    // The live event is lost on the way, then the connection drops.
    dropping = true;
    await chat.peerSends('missed while away');
    await dropped.promise;
    dropping = false;
    sockets.at(-1)!.close({ code: 1012, reason: 'test: the connection dropped' });

    // Back online, the client asks for what came after the last seq it had.
    await messageList(page).getByRole('listitem').filter({ hasText: 'missed while away' }).waitFor({ timeout: 5000 });
    // (On a busy machine the sweep after the first connect can fetch it before the reconnect is made.)
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(catchUps.some((body) => JSON.parse(body).variables?.conversationId === chat.conversationId)).toBe(true);

    await chat.peerSends('after the drop');
    await messageList(page).getByRole('listitem').filter({ hasText: 'after the drop' }).waitFor({ timeout: LIVE_MS });
    await expectEachOnce(page, ['before the drop', 'missed while away', 'after the drop']);
    expect(chat.browser.problems).toEqual([]);
  }, 60_000);

  it('shows a send as "Sending…"; a dropped network sends it again by itself, a real failure shows "Failed to send", and Retry sends it once with the same clientId', async () => {
    const chat = await openChat();
    const { page } = chat.browser;
    const clientIds: string[] = [];
    const release = deferred();
    let attempt = 0;
    await page.route('**/graphql', async (route) => {
      const body = route.request().postData() ?? '';
      if (!body.includes('SendMessage')) return route.continue();
      clientIds.push(JSON.parse(body).variables.input.clientId);
      attempt += 1;
      if (attempt === 1) {
        await release.promise;
        return route.abort('internetdisconnected');
      }
      if (attempt === 2) {
        // Not a passing problem: the client stops and lets the person decide.
        return route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            data: null,
            errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          }),
        });
      }
      return route.continue();
    });

    await sendWithEnter(page, 'through a flaky network');
    const item = messageList(page).getByRole('listitem').filter({ hasText: 'through a flaky network' });
    await item.getByText('Sending…').waitFor();
    release.resolve();
    await item.getByText(/^Not sent yet — trying again in \d+ s$/).waitFor();
    await item.getByText('Failed to send').waitFor();

    await item.getByRole('button', { name: 'Retry' }).click();
    await item.getByRole('time').waitFor();
    expect(await item.getByText('Failed to send').count()).toBe(0);
    await expectEachOnce(page, ['through a flaky network']);
    expect(clientIds).toHaveLength(3);
    expect(new Set(clientIds).size).toBe(1);

    // The server stored it once.
    const history = await graphql(stack.url, ConversationTextsDocument, { id: chat.conversationId }, chat.peer.accessToken);
    expect(history.data!.conversation!.messages.edges.map((edge) => edge.node.text)).toEqual(['through a flaky network']);
  }, 60_000);

  it('reconciles a send whose answer was lost with the live copy of it: one message, no retry needed', async () => {
    const chat = await openChat();
    const { page } = chat.browser;
    await page.route('**/graphql', async (route) => {
      if (!route.request().postData()?.includes('SendMessage')) return route.continue();
      await route.fetch(); // the server stores it and tells the members…
      await route.abort('connectionreset'); // …but this answer never arrives
    });
    await sendWithEnter(page, 'answer lost, event arrives');
    const item = messageList(page).getByRole('listitem').filter({ hasText: 'answer lost, event arrives' });
    await item.getByRole('time').waitFor({ timeout: LIVE_MS });
    await expectEachOnce(page, ['answer lost, event arrives']);
    expect(await item.getByRole('button', { name: 'Retry' }).count()).toBe(0);
  }, 60_000);

  it('loads older history as the reader scrolls up', async () => {
    const chat = await openChat();
    const { page } = chat.browser;
    const count = 45; // the client pages 30 at a time
    await Promise.all(Array.from({ length: count }, (_, n) => chat.peerSends(`history ${String(n + 1).padStart(2, '0')}`)));
    await page.reload();
    const items = messageList(page).getByRole('listitem');
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(30);
    await page.locator('.timeline').evaluate((element) => element.scrollTo({ top: 0 }));
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(count);
    for (const n of [1, 15, 16, 45]) expect(await items.filter({ hasText: `history ${String(n).padStart(2, '0')}` }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Load older messages' }).count()).toBe(0);
  }, 60_000);
});
