import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot } from './environment.js';

/**
 * Debian's Chromium (`apt-get install chromium`; .ci/run installs it). playwright-core drives it
 * and downloads nothing.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests write screenshots for people to look at (git-ignored). */
export const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** One person at one browser: a context of their own (storage, service worker), one page. */
export interface BrowserPerson {
  context: BrowserContext;
  page: Page;
  /** Messages of every alert/confirm/prompt the page opened (dismissed at once). */
  dialogs: string[];
  /** Uncaught page errors and Content-Security-Policy violations. */
  problems: string[];
}

/** Opens the app for a new person; `before` runs first, e.g. to route the WebSocket. */
export async function openApp(browser: Browser, origin: string, before?: (person: BrowserPerson) => Promise<void>): Promise<BrowserPerson> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  const person: BrowserPerson = { context, page, dialogs: [], problems: [] };
  page.on('dialog', (dialog) => {
    person.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => person.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) person.problems.push(`CSP: ${message.text()}`);
  });
  await before?.(person);
  await page.goto('/');
  return person;
}

export interface Account {
  username: string;
  email: string;
  password: string;
  displayName: string;
}

/** A new account's details; usernames are unique per run. */
export function newAccount(name: string): Account {
  const username = `${name}_${randomBytes(4).toString('hex')}`;
  const displayName = `${name[0]!.toUpperCase()}${name.slice(1)} ${username.slice(-4).toUpperCase()}`;
  return { username, email: `${username}@example.com`, password: 'correct horse battery staple', displayName };
}

/** Creates the account through the register form; returns once the conversation list shows. */
export async function registerThroughUi(page: Page, account: Account): Promise<void> {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByLabel('Display name (optional)').fill(account.displayName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Conversations' }).waitFor();
}

/** Signs in through the sign-in form; returns once the conversation list shows. */
export async function signInThroughUi(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel('Username or email').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Conversations' }).waitFor();
}

/** The open conversation's message list. */
export function messageList(page: Page) {
  return page.getByRole('list', { name: 'Messages' });
}

/** Sends `text` from the open conversation's composer with the Enter key. */
export async function sendWithEnter(page: Page, text: string): Promise<void> {
  const composer = page.getByLabel('Message', { exact: true });
  await composer.fill(text);
  await composer.press('Enter');
}

/** An <img> as page functions use it (the tests are compiled without the DOM library). */
export interface ImageElement {
  src: string;
  complete: boolean;
  naturalWidth: number;
  addEventListener(type: 'load' | 'error', listener: () => void, options: { once: boolean }): void;
}

/** Waits until the image has loaded and answers its natural width; 0 when it fails to load (a broken image). */
export async function loadedWidth(locator: Locator, timeoutMs = 20_000): Promise<number> {
  await locator.waitFor({ timeout: timeoutMs });
  return locator.evaluate(
    (img: ImageElement) =>
      img.complete && img.naturalWidth > 0
        ? img.naturalWidth
        : new Promise<number>((resolve) => {
            img.addEventListener('load', () => resolve(img.naturalWidth), { once: true });
            img.addEventListener('error', () => resolve(0), { once: true });
          }),
    undefined,
    { timeout: timeoutMs },
  );
}
