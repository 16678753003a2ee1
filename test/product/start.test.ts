import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { makeTempDir, makeAudio, makeMp4, makePng } from '../media/fixtures.js';
import { absolute, mediaAs, type MediaView } from '../media/media-client.js';
import {
  launchChromium,
  loadedWidth,
  messageList,
  newAccount,
  openApp,
  registerThroughUi,
  screenshot,
  sendWithEnter,
  type BrowserPerson,
} from '../support/browser.js';
import {
  CreateDirectConversationDocument,
  LiveMessagesDocument,
  MediaProcessedDocument,
  MessageAttachmentsDocument,
  SendMessageIdDocument,
  SendMessageSeqDocument,
  type LiveMessagesSubscription,
  type MediaProcessedSubscription,
} from '../support/generated/graphql.js';
import { graphql, registerUser, subscribe, wsClient, type Subscription, type TestUser } from '../support/graphql.js';
import { startProduct, type StartedProduct } from './npm-start.js';

// `npm start` on a machine with only Node: the embedded PostgreSQL, the in-memory bus, the local
// media store, data under the checkout's `.data` — and everything a person does, done on it.
describe('npm start on the embedded defaults', () => {
  let product: StartedProduct;

  beforeAll(async () => {
    product = await startProduct();
  }, 120_000);

  afterAll(async () => {
    await product?.stop();
  });

  it('says which defaults it used, with its data under the checkout’s dot-folder', () => {
    expect(product.output()).toMatch(/embedded PostgreSQL/);
    expect(product.output()).toMatch(/in-memory bus/);
    expect(product.output()).toContain(path.join(product.dataDir, 'media'));
    expect(product.dataDir.split(path.sep)).toContain('.data');
  });

  it('answers /health', async () => {
    const response = await fetch(`${product.origin}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', liveDelivery: 'ok' });
  });

  it('serves the web app at the same URL', async () => {
    const response = await fetch(`${product.origin}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="app"></div>');
    expect((await fetch(`${product.origin}/sw.js`)).status).toBe(200);
  });

  it('carries a message between two users', async () => {
    const alice = await registerUser(product.url, 'alice');
    const bob = await registerUser(product.url, 'bob');
    const conversationId = await directChat(product, alice, bob);
    const client = wsClient(product.wsUrl, bob.accessToken);
    const live = subscribe(client, LiveMessagesDocument, { c: conversationId });
    const first = await firstLiveMessage(product, alice, conversationId, live);
    expect(first.sender.displayName).toBe(alice.displayName);
    // From the first event on, every message arrives once and in order, up to one sent last.
    const lastSeq = (await send(product, alice, conversationId, 'last', 'the last one')).seq;
    const seqs = [first.seq];
    while (seqs.at(-1)! < lastSeq) seqs.push((await live.next()).data!.messageAdded.seq);
    expect(seqs).toEqual(Array.from({ length: lastSeq - seqs[0]! + 1 }, (_, i) => seqs[0]! + i));
    await live.close();
    await client.dispose();
  });

  describe('media on the local store under .data', () => {
    let files: Awaited<ReturnType<typeof makeTempDir>>;
    let alice: TestUser;
    let bob: TestUser;
    let conversationId: string;
    let bobsSocket: ReturnType<typeof wsClient>;
    let processed: Subscription<MediaProcessedSubscription>;
    const ready = new Map<string, MediaView>();

    beforeAll(async () => {
      files = await makeTempDir();
      await Promise.all([
        makePng(path.join(files.dir, 'photo.png'), 1200, 900),
        makeMp4(path.join(files.dir, 'clip.mp4'), 3, 640, 360),
        makeAudio(path.join(files.dir, 'voice.wav'), 3),
      ]);
      alice = await registerUser(product.url, 'alice');
      bob = await registerUser(product.url, 'bob');
      conversationId = await directChat(product, alice, bob);
      // Bob listens for processed files as his client does; a live message on the same socket shows it is up.
      bobsSocket = wsClient(product.wsUrl, bob.accessToken);
      processed = subscribe(bobsSocket, MediaProcessedDocument, { c: conversationId });
      const messages = subscribe(bobsSocket, LiveMessagesDocument, { c: conversationId });
      await firstLiveMessage(product, alice, conversationId, messages);
      await messages.close();
    }, 60_000);

    afterAll(async () => {
      await processed?.close();
      await bobsSocket?.dispose();
      await files?.remove();
    });

    /** Bob's mediaProcessed event for the file, however the events interleave. */
    async function processedFor(mediaId: string): Promise<MediaView> {
      while (!ready.has(mediaId)) {
        const event = await processed.next(90_000);
        expect(event.errors).toBeUndefined();
        ready.set(event.data!.mediaProcessed.id, event.data!.mediaProcessed);
      }
      return ready.get(mediaId)!;
    }

    it('processes an image, a video and an audio clip sent in one message, and Bob downloads every variant and each HLS segment', async () => {
      const uploads = mediaAs(product, alice);
      const photo = await uploads.upload(conversationId, {
        path: path.join(files.dir, 'photo.png'),
        filename: 'photo.png',
        mimeType: 'image/png',
      });
      const clip = await uploads.upload(conversationId, {
        path: path.join(files.dir, 'clip.mp4'),
        filename: 'clip.mp4',
        mimeType: 'video/mp4',
      });
      const voice = await uploads.upload(conversationId, {
        path: path.join(files.dir, 'voice.wav'),
        filename: 'voice.wav',
        mimeType: 'audio/wav',
      });
      const sent = await graphql(
        product.url,
        SendMessageIdDocument,
        { input: { conversationId, clientId: 'with-files', text: 'Three files', mediaIds: [photo, clip, voice] } },
        alice.accessToken,
      );
      expect(sent.errors).toBeUndefined();

      for (const id of [photo, clip, voice]) expect((await processedFor(id)).status).toBe('READY');

      // Bob reads the message as his client does, with fresh signed URLs.
      const read = await graphql(product.url, MessageAttachmentsDocument, { id: sent.data!.sendMessage.id }, bob.accessToken);
      expect(read.errors).toBeUndefined();
      const byId = new Map(read.data!.message!.attachments.map((media) => [media.id, media]));
      const expected: Array<[string, Record<string, string>]> = [
        [photo, { url: 'png', thumbnail: 'jpeg', preview: 'webp' }],
        [clip, { url: 'mp4', mp4: 'mp4', hls: 'm3u8', poster: 'jpeg', thumbnail: 'jpeg', animatedPreview: 'mp4' }],
        [voice, { url: 'wav', audio: 'mp4' }],
      ];
      let segments = 0;
      for (const [id, formats] of expected) {
        const media = byId.get(id)!;
        expect(media.status).toBe('READY');
        const links: Record<string, string | null> = { url: media.url, ...media.variants };
        // Exactly the variants its kind has: none missing, none extra.
        expect(
          Object.keys(links)
            .filter((name) => links[name] !== null)
            .sort(),
        ).toEqual(Object.keys(formats).sort());
        for (const [name, format] of Object.entries(formats)) {
          const response = await fetch(absolute(product, links[name]!));
          const body = new Uint8Array(await response.arrayBuffer());
          expect([name, response.status], `${name} of ${media.filename}`).toEqual([name, 200]);
          expect(body.length).toBeGreaterThan(0);
          if (format === 'm3u8') {
            const manifest = new TextDecoder().decode(body);
            expect(manifest).toMatch(/^#EXTM3U/);
            for (const segment of manifest.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))) {
              const answer = await fetch(new URL(segment, absolute(product, links[name]!)));
              const bytes = new Uint8Array(await answer.arrayBuffer());
              expect([segment, answer.status]).toEqual([segment, 200]);
              expect(bytes[0], 'an MPEG-TS segment starts with its sync byte').toBe(0x47);
              segments += 1;
            }
          } else {
            expect([name, formatOf(body)]).toEqual([name, format]);
          }
        }
      }
      expect(segments).toBeGreaterThan(0);
      // Every file was served; nothing went wrong on the way that the log would have had to tell.
      expect(product.output()).not.toMatch(/serving a media file failed/);
    }, 180_000);

    it('keeps the files in the checkout’s data directory, and a tampered link gets 403, not an error', async () => {
      const photo = [...ready.values()].find((media) => media.kind === 'IMAGE');
      expect(photo).toBeDefined();
      const stored = await readFile(path.join(product.dataDir, 'media', 'files', photo!.id, 'original.png'));
      expect(stored.length).toBe(photo!.bytes);
      const tampered = photo!.url!.replace(/signature=[^&]+/, 'signature=AAAA');
      expect(tampered).not.toBe(photo!.url);
      expect((await fetch(absolute(product, tampered))).status).toBe(403);
    });
  });

  describe('two people in Chromium', () => {
    let browser: Browser;
    let files: Awaited<ReturnType<typeof makeTempDir>>;
    let alice: BrowserPerson;
    let bob: BrowserPerson;
    const aliceAccount = newAccount('alice');
    const bobAccount = newAccount('bob');

    beforeAll(async () => {
      [browser, files] = await Promise.all([launchChromium(), makeTempDir()]);
      alice = await openApp(browser, product.origin);
      bob = await openApp(browser, product.origin);
      await Promise.all([registerThroughUi(alice.page, aliceAccount), registerThroughUi(bob.page, bobAccount)]);
      await alice.page.getByRole('link', { name: 'New chat' }).click();
      await alice.page.getByLabel('Search people').fill(bobAccount.username);
      await alice.page.getByRole('button', { name: `Chat with ${bobAccount.displayName}` }).click();
      await alice.page.getByRole('heading', { name: bobAccount.displayName, level: 2 }).waitFor();
      await sendWithEnter(alice.page, 'Hello Bob 👋');
      await bob.page.getByRole('link', { name: new RegExp(`${aliceAccount.displayName}.*Hello Bob`) }).click({ timeout: 10_000 });
      await messageList(bob.page).getByRole('listitem').filter({ hasText: 'Hello Bob 👋' }).waitFor();
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await files?.remove();
    });

    it('shows Alice’s photo to Bob as a thumbnail, and the viewer opens its preview', async () => {
      const photo = path.join(files.dir, 'sunset.png');
      await makePng(photo, 1600, 1200);
      await alice.page.locator('input[type="file"]').setInputFiles(photo);
      await alice.page.getByText('Ready to send').waitFor({ timeout: 20_000 });
      await sendWithEnter(alice.page, 'The view from here 🌅');

      const thumbnail = messageList(bob.page).getByRole('img', { name: 'sunset.png' });
      expect(await loadedWidth(thumbnail)).toBe(250);
      const shot = await screenshot(bob.page, 'product-image-message-as-bob');
      console.log(`The image message as Bob sees it: ${shot}`);

      await messageList(bob.page).getByRole('button', { name: 'Open sunset.png' }).click();
      const viewer = bob.page.getByRole('dialog', { name: 'sunset.png' });
      expect(await loadedWidth(viewer.getByRole('img', { name: 'sunset.png' }))).toBe(800);
      await viewer.getByRole('button', { name: 'Close' }).click();
      for (const person of [alice, bob]) {
        expect(person.problems).toEqual([]);
        expect(person.dialogs).toEqual([]);
      }
      expect(product.output()).not.toMatch(/serving a media file failed/);
    }, 90_000);
  });
});

/** Opens a direct conversation between the two; returns its id. */
async function directChat(product: StartedProduct, from: TestUser, to: TestUser): Promise<string> {
  const created = await graphql(product.url, CreateDirectConversationDocument, { peer: to.id }, from.accessToken);
  return created.data!.createConversation.id;
}

async function send(product: StartedProduct, from: TestUser, conversationId: string, clientId: string, text: string) {
  const sent = await graphql(product.url, SendMessageSeqDocument, { input: { conversationId, clientId, text } }, from.accessToken);
  if (!sent.data) throw new Error(`sendMessage failed: ${JSON.stringify(sent.errors)}`);
  return sent.data.sendMessage;
}

/**
 * Nothing outside the process can see when its in-memory subscription is active, so `from` keeps
 * sending until the first message arrives; returns it.
 */
async function firstLiveMessage(
  product: StartedProduct,
  from: TestUser,
  conversationId: string,
  live: Subscription<LiveMessagesSubscription>,
): Promise<LiveMessagesSubscription['messageAdded']> {
  for (let n = 1; n <= 50; n++) {
    await send(product, from, conversationId, `warm-up-${n}-${Date.now()}`, `hello ${n}`);
    const event = await live.next(200).catch(() => undefined);
    if (event) return event.data!.messageAdded;
  }
  throw new Error('no live message after 50 sends');
}

/** What a file's first bytes say it is. */
function formatOf(bytes: Uint8Array): string {
  const ascii = (start: number, end: number) => String.fromCharCode(...bytes.slice(start, end));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') return 'png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (ascii(4, 8) === 'ftyp') return 'mp4';
  return `unknown (${ascii(0, 12)})`;
}
