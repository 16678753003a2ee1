import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, messageList, openApp, signInThroughUi } from '../support/browser.js';
import {
  CreateDirectConversationDocument,
  LoginAccessTokenDocument,
  LogoutDocument,
  RefreshSessionTokensDocument,
  SendMessageSeqDocument,
} from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

/** Short enough that the silent refresh (half the remaining life below a minute) and the router's 4403 close happen within the test. */
const TTL_SECONDS = 6;
const PASSWORD = 'correct horse battery staple';

function storedSession(page: Page): Promise<{ accessToken: string; refreshToken: string } | null> {
  return page.evaluate(`JSON.parse(localStorage.getItem('chirpchat.session'))`);
}

describe('the web client in Chromium: sessions with short-lived access tokens', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ web: true, accessTokenTtlSeconds: TTL_SECONDS }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('renews the access token before it expires and reconnects when the router closes the socket for the old one', async () => {
    const [me, peer] = await Promise.all([registerUser(stack.url, 'fran'), registerUser(stack.url, 'gus')]);
    const created = await graphql(stack.url, CreateDirectConversationDocument, { peer: me.id }, peer.accessToken);
    const conversationId = created.data!.createConversation.id;

    const person = await openApp(browser, stack.origin);
    const { page } = person;
    const sockets: Array<{ closed: boolean }> = [];
    page.on('websocket', (socket) => {
      const entry = { closed: false };
      sockets.push(entry);
      socket.on('close', () => (entry.closed = true));
    });
    await signInThroughUi(page, me.username, PASSWORD);
    await page.getByRole('link', { name: new RegExp(peer.displayName) }).click();
    const first = (await storedSession(page))!;

    // Silent refresh: a new pair is stored before the first token expires.
    await expect.poll(async () => (await storedSession(page))?.accessToken, { timeout: TTL_SECONDS * 1000 }).not.toBe(first.accessToken);
    const second = (await storedSession(page))!;
    expect(second.refreshToken).not.toBe(first.refreshToken);

    // The router closes the socket when the token that opened it expires; the client opens a new one.
    await expect.poll(() => sockets.some((socket) => socket.closed), { timeout: (TTL_SECONDS + 4) * 1000 }).toBe(true);
    await expect.poll(() => sockets.filter((socket) => !socket.closed).length, { timeout: 10_000 }).toBe(1);

    const sent = await graphql(
      stack.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: 'after-renewal', text: 'still live after the renewal' } },
      (await signInAgain(peer.username)).accessToken,
    );
    expect(sent.errors).toBeUndefined();
    await messageList(page).getByRole('listitem').filter({ hasText: 'still live after the renewal' }).waitFor({ timeout: 3000 });
    expect(new URL(page.url()).pathname).toBe(`/c/${conversationId}`);
    expect(person.problems).toEqual([]);
  }, 60_000);

  it('signs out: back to the sign-in screen, tokens gone and revoked', async () => {
    const me = await registerUser(stack.url, 'hal');
    const { page } = await openApp(browser, stack.origin);
    await signInThroughUi(page, me.username, PASSWORD);
    const session = (await storedSession(page))!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await storedSession(page)).toBeNull();
    await expect
      .poll(async () => errorCode(await graphql(stack.url, RefreshSessionTokensDocument, { token: session.refreshToken })))
      .toBe('UNAUTHENTICATED');
    // A reload stays signed out.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }, 60_000);

  it('ends a session the server revoked: the next refresh is refused and the app returns to sign in', async () => {
    const me = await registerUser(stack.url, 'ivy');
    const { page } = await openApp(browser, stack.origin);
    await signInThroughUi(page, me.username, PASSWORD);
    const session = (await storedSession(page))!;
    // Signed out elsewhere (say, "sign out everywhere"): this refresh token is dead.
    const revoked = await graphql(stack.url, LogoutDocument, { token: session.refreshToken });
    expect(revoked.data?.logout).toBe(true);
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: TTL_SECONDS * 1000 });
    expect(await storedSession(page)).toBeNull();
  }, 60_000);

  /** The peer signs in again: its access token from registration has expired by now. */
  async function signInAgain(username: string) {
    const response = await graphql(stack.url, LoginAccessTokenDocument, { input: { login: username, password: PASSWORD } });
    return response.data!.login;
  }
});
