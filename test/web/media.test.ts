import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  loadedWidth,
  messageList,
  newAccount,
  openApp,
  registerThroughUi,
  screenshot,
  screenshotDir,
  sendWithEnter,
  type BrowserPerson,
  type ImageElement,
} from '../support/browser.js';
import { deferred } from '../support/async.js';
import { MediaLimitsTableDocument } from '../support/generated/graphql.js';
import { graphql, registerUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';
import { makeAudio } from '../media/fixtures.js';

/** Upload, processing (sharp on a 1600×1200 PNG) and the live event that announces it. */
const PROCESSED_MS = 20_000;
const LIVE_MS = 5000;

/** A 1600×1200 PNG with shapes drawn on it (a flat colour would compress to almost nothing). */
async function drawnPng(file: string): Promise<void> {
  const shapes = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200">
    <rect x="80" y="80" width="640" height="480" fill="#f59e0b"/>
    <circle cx="1100" cy="700" r="320" fill="#10b981"/>
    <polygon points="200,1100 800,650 1400,1150" fill="#ef4444"/>
    <text x="800" y="200" font-size="120" fill="#fff" text-anchor="middle">ChirpChat</text>
  </svg>`;
  await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#2563eb' } })
    .composite([{ input: Buffer.from(shapes) }])
    .png()
    .toFile(file);
}

/**
 * Follows one person's page: every status a message payload (HTTP or WebSocket) gave each file,
 * and whether the "Processing…" placeholder was ever rendered — processing can finish quickly, so
 * a MutationObserver records it however briefly it showed.
 */
async function watchMedia(person: BrowserPerson) {
  const statuses = new Map<string, string[]>();
  const note = (body: string) => {
    for (const match of body.matchAll(/"id":"([^"]+)","kind":"[A-Z]+","status":"([A-Z]+)"/g)) {
      const [, id, status] = match;
      statuses.set(id!, [...(statuses.get(id!) ?? []), status!]);
    }
  };
  person.page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => typeof payload === 'string' && note(payload)));
  person.page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/graphql') void response.text().then(note, () => undefined);
  });
  // Runs in the page (the tests are compiled without the DOM library, hence a string).
  await person.page.addInitScript(`
    window.__processingSeen = false;
    new MutationObserver(() => {
      if ([...document.querySelectorAll('[role="status"]')].some((element) => element.textContent.trim() === 'Processing…')) {
        window.__processingSeen = true;
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  `);
  return {
    /** The first status this page heard for the file, e.g. PROCESSING, or undefined. */
    firstStatus: (mediaId: string) => statuses.get(mediaId)?.[0],
    /** Whether this page was ever told the file was PROCESSING (a message carrying it, before it was ready). */
    heardProcessing: (mediaId: string) => statuses.get(mediaId)?.includes('PROCESSING') ?? false,
    sawProcessing: () => person.page.evaluate<boolean>('window.__processingSeen === true'),
  };
}

function fileInput(page: Page) {
  return page.locator('input[type="file"]');
}

/** What the API says is the largest file of a kind, asked as someone else than the people in the test. */
async function maxBytesOf(stack: Stack, kind: 'IMAGE' | 'VIDEO' | 'AUDIO' | 'DOCUMENT'): Promise<number> {
  const asker = await registerUser(stack.url, 'limits');
  const response = await graphql(stack.url, MediaLimitsTableDocument, {}, asker.accessToken);
  const limit = response.data?.mediaLimits.kinds.find((limits) => limits.kind === kind)?.maxBytes;
  if (!limit) throw new Error(`mediaLimits has no ${kind}: ${JSON.stringify(response)}`);
  return limit;
}

/** Records what the page asks of the media store and of createUpload / sendMessage: a refused file asks nothing. */
function recordUploadAttempts(page: Page): string[] {
  const attempts: string[] = [];
  page.on('request', (request) => {
    const pathname = new URL(request.url()).pathname;
    if (pathname.startsWith('/media/upload/')) attempts.push(pathname);
    if (pathname === '/graphql' && /CreateUpload|SendMessage/.test(request.postData() ?? '')) attempts.push('graphql');
  });
  return attempts;
}

describe('the web client in Chromium: photos in a direct chat', () => {
  let stack: Stack;
  let browser: Browser;
  let dir: string;
  let alice: BrowserPerson;
  let bob: BrowserPerson;
  let aliceMedia: Awaited<ReturnType<typeof watchMedia>>;
  let bobMedia: Awaited<ReturnType<typeof watchMedia>>;
  const aliceAccount = newAccount('alice');
  const bobAccount = newAccount('bob');

  beforeAll(async () => {
    [stack, browser, dir] = await Promise.all([
      startStack({ web: true }),
      launchChromium(),
      mkdtemp(path.join(tmpdir(), 'chirpchat-media-')),
    ]);
    alice = await openApp(browser, stack.origin, async (person) => void (aliceMedia = await watchMedia(person)));
    bob = await openApp(browser, stack.origin, async (person) => void (bobMedia = await watchMedia(person)));
    await Promise.all([registerThroughUi(alice.page, aliceAccount), registerThroughUi(bob.page, bobAccount)]);

    // A direct chat, open on both sides.
    await alice.page.getByRole('link', { name: 'New chat' }).click();
    await alice.page.getByLabel('Search people').fill(bobAccount.username);
    await alice.page.getByRole('button', { name: `Chat with ${bobAccount.displayName}` }).click();
    await alice.page.getByRole('heading', { name: bobAccount.displayName, level: 2 }).waitFor();
    await sendWithEnter(alice.page, 'A photo is coming');
    await bob.page.getByRole('link', { name: new RegExp(`${aliceAccount.displayName}.*A photo is coming`) }).click({ timeout: LIVE_MS });
    await messageList(bob.page).getByRole('listitem').filter({ hasText: 'A photo is coming' }).waitFor();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    console.log(`Screenshots of the web client: ${screenshotDir}`);
  });

  it('uploads a photo with progress, shows it processing on both sides, then its 250 px thumbnail live; the viewer loads the preview', async () => {
    const photo = path.join(dir, 'holiday.png');
    await drawnPng(photo);

    // The upload is held until its progress bar has been seen (a local upload is otherwise over at once).
    const seenProgress = deferred();
    let uploads = 0;
    await alice.page.route('**/media/upload/**', async (route) => {
      uploads += 1;
      await seenProgress.promise;
      await route.continue();
    });

    await fileInput(alice.page).setInputFiles(photo);
    const progress = alice.page.getByRole('progressbar', { name: 'Uploading holiday.png' });
    await progress.waitFor({ timeout: LIVE_MS });
    await screenshot(alice.page, 'media-1-uploading');
    // Nothing to send until the file is up: Send waits for it.
    expect(await alice.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    seenProgress.resolve();

    await alice.page.getByText('Ready to send').waitFor({ timeout: PROCESSED_MS });
    expect(uploads).toBe(1); // under 6 MB: one POST, no chunks
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => alice.page.getByRole('list', { name: 'Files to send' }).count()).toBe(0); // the tray has emptied

    // Both see the thumbnail, without a reload, at its natural 250 px.
    for (const person of [alice, bob]) {
      const thumbnail = messageList(person.page).getByRole('img', { name: 'holiday.png' });
      expect(await loadedWidth(thumbnail, PROCESSED_MS)).toBe(250);
    }
    await screenshot(bob.page, 'media-2-thumbnail');

    // Whoever was told of the file as PROCESSING showed "Processing…" meanwhile. (The uploader hears
    // UPLOADING from its own tray first; when the file is ready before Send, its bubble never
    // needs "Processing…".)
    const mediaId = await messageList(bob.page)
      .getByRole('img', { name: 'holiday.png' })
      .evaluate((img: ImageElement) => new URL(img.src).pathname.split('/')[3] ?? '');
    for (const [person, watched] of [
      [alice, aliceMedia],
      [bob, bobMedia],
    ] as const) {
      const first = watched.firstStatus(mediaId);
      const sawProcessing = await watched.sawProcessing();
      console.log(
        `${person === alice ? 'Alice' : 'Bob'} first heard the file as ${first ?? 'unknown'}; saw "Processing…": ${sawProcessing}`,
      );
      if (watched.heardProcessing(mediaId)) expect(sawProcessing).toBe(true);
    }

    // Bob opens the viewer: the 800 px preview loads.
    await messageList(bob.page).getByRole('button', { name: 'Open holiday.png' }).click();
    const viewer = bob.page.getByRole('dialog', { name: 'holiday.png' });
    await viewer.waitFor();
    const previewWidth = await loadedWidth(viewer.getByRole('img', { name: 'holiday.png' }), PROCESSED_MS);
    expect(previewWidth).toBeGreaterThan(250);
    expect(previewWidth).toBeLessThanOrEqual(800);
    await screenshot(bob.page, 'media-3-viewer');
    await viewer.getByRole('button', { name: 'Close' }).click();
    await viewer.waitFor({ state: 'hidden' });

    for (const person of [alice, bob]) {
      expect(person.problems).toEqual([]);
      expect(person.dialogs).toEqual([]);
    }
  }, 90_000);

  it('sends a 13 MB recording in chunks that survive a dropped connection, and both get an audio player', async () => {
    const recording = path.join(dir, 'interview.wav');
    await makeAudio(recording, 150); // 16-bit PCM: about 13 MB, so three chunks of at most 6 MB

    // The second chunk's first attempt dies with the connection; the client sends that chunk again.
    const chunks: string[] = [];
    let dropped = false;
    await alice.page.route('**/media/upload/**', async (route) => {
      const range = route.request().headers()['content-range'] ?? 'whole';
      chunks.push(range);
      if (!dropped && range.startsWith('bytes 6291456-')) {
        dropped = true;
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    });

    await fileInput(alice.page).setInputFiles(recording);
    await alice.page.getByText('Ready to send').waitFor({ timeout: PROCESSED_MS });
    await alice.page.unroute('**/media/upload/**');
    expect(dropped).toBe(true);
    const total = (await stat(recording)).size;
    expect(total).toBeGreaterThan(12582912);
    expect(chunks).toEqual([
      `bytes 0-6291455/${total}`,
      `bytes 6291456-12582911/${total}`,
      `bytes 6291456-12582911/${total}`,
      `bytes 12582912-${total - 1}/${total}`,
    ]);
    await alice.page.getByRole('button', { name: 'Send' }).click();

    for (const person of [alice, bob]) {
      const player = messageList(person.page).locator('audio');
      await player.waitFor({ timeout: PROCESSED_MS });
      // The player's source is the signed AAC variant (it preloads nothing, so fetch it as it would).
      const src = await player.getAttribute('src');
      expect(src).toMatch(/\/audio\.m4a\?/);
      const response = await fetch(new URL(src!, stack.origin));
      expect([response.status, response.headers.get('content-type')]).toEqual([200, 'audio/mp4']);
    }
    await screenshot(bob.page, 'media-5-audio');
  }, 120_000);

  it('refuses an SVG and a text file named .png with INVALID_FILE_TYPE, and sends nothing', async () => {
    const svg = path.join(dir, 'drawing.svg');
    const fake = path.join(dir, 'notes.png');
    await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    await writeFile(fake, 'just some text, not a picture\n');

    const attempts = recordUploadAttempts(alice.page);
    const before = await messageList(bob.page).getByRole('listitem').count();

    await fileInput(alice.page).setInputFiles([svg, fake]);
    const tray = alice.page.getByRole('list', { name: 'Files to send' });
    for (const name of ['drawing.svg', 'notes.png']) {
      await tray.getByRole('listitem').filter({ hasText: name }).getByText('This file type isn’t supported').waitFor({ timeout: LIVE_MS });
    }
    await screenshot(alice.page, 'media-4-refused');
    expect(await alice.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await alice.page.getByLabel('Message', { exact: true }).press('Enter');
    expect(attempts).toEqual([]);

    // Removing them leaves an empty tray; Bob got nothing.
    for (const name of ['drawing.svg', 'notes.png']) await alice.page.getByRole('button', { name: `Remove ${name}` }).click();
    await expect.poll(() => alice.page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await messageList(bob.page).getByRole('listitem').count()).toBe(before);
    expect(alice.problems).toEqual([]);
    expect(alice.dialogs).toEqual([]);
  }, 60_000);

  it('refuses a document one byte over the API’s limit with the limit as the reason, before any upload request', async () => {
    const maxBytes = await maxBytesOf(stack, 'DOCUMENT');
    const minutes = path.join(dir, 'minutes.pdf');
    await writeFile(minutes, '%PDF-1.7\n');
    await truncate(minutes, maxBytes + 1); // sparse: nothing to write
    const attempts = recordUploadAttempts(alice.page);

    await fileInput(alice.page).setInputFiles(minutes);
    const item = alice.page.getByRole('list', { name: 'Files to send' }).getByRole('listitem').filter({ hasText: 'minutes.pdf' });
    await item
      .getByRole('alert')
      .filter({ hasText: `Too large — the limit is ${maxBytes / 2 ** 20} MB` })
      .waitFor({ timeout: LIVE_MS });
    expect(await item.getByRole('button', { name: 'Retry minutes.pdf' }).count()).toBe(0); // the same file would be refused again
    expect(await alice.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect(attempts).toEqual([]);

    await item.getByRole('button', { name: 'Remove minutes.pdf' }).click();
    await expect.poll(() => alice.page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(alice.problems).toEqual([]);
  }, 60_000);

  it('waits for the limits on a fresh page: the attach button is disabled, and a file dropped meanwhile is checked once they arrive', async () => {
    // The limits are held on their way to the reloaded page.
    const asked = deferred();
    const release = deferred();
    await alice.page.route('**/graphql', async (route) => {
      if (!/MediaLimits/.test(route.request().postData() ?? '')) return route.fallback();
      asked.resolve();
      await release.promise;
      await route.fallback();
    });
    const attempts = recordUploadAttempts(alice.page);
    await alice.page.reload();
    await alice.page.getByRole('heading', { name: bobAccount.displayName, level: 2 }).waitFor();
    await asked.promise;
    const attach = alice.page.getByRole('button', { name: 'Attach files' });
    expect(await attach.isDisabled()).toBe(true);

    // A file that arrives anyway (the input, as a drop would) waits for the limits rather than being refused.
    const notes = path.join(dir, 'agenda.txt');
    await writeFile(notes, 'Agenda: limits come from the API.\n');
    await fileInput(alice.page).setInputFiles(notes);
    const item = alice.page.getByRole('list', { name: 'Files to send' }).getByRole('listitem').filter({ hasText: 'agenda.txt' });
    await item.getByRole('progressbar', { name: 'Uploading agenda.txt' }).waitFor({ timeout: LIVE_MS });
    expect(await item.getByRole('alert').count()).toBe(0);
    expect(attempts).toEqual([]);

    release.resolve();
    await item.getByText('Ready to send').waitFor({ timeout: PROCESSED_MS });
    await expect.poll(() => attach.isDisabled()).toBe(false);
    expect(await fileInput(alice.page).getAttribute('accept')).toContain('text/plain');
    await alice.page.unroute('**/graphql');

    await item.getByRole('button', { name: 'Remove agenda.txt' }).click();
    await expect.poll(() => alice.page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(alice.problems).toEqual([]);
  }, 60_000);
});
