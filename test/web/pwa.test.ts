import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createLogger, generateSigningKeys, type RunningServer } from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { createRouter, webAppRoutes, webDistPath } from '@chirpchat/router';
import { launchChromium, openApp } from '../support/browser.js';
import { repoRoot } from '../support/environment.js';

const silent = createLogger({ level: 'silent' });

// Installability and updates need no API behind the router: a copy of the built app is enough,
// and a copy can be changed to look like the next deploy.
describe('the web client as an installable PWA', () => {
  let dist: string;
  let router: RunningServer;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'chirpchat-pwa-'));
    await cp(webDistPath, dist, { recursive: true });
    router = await createRouter({
      supergraphSdl: await readFile(path.join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8'),
      subgraphUrls: {
        users: 'http://127.0.0.1:9/graphql',
        chat: 'http://127.0.0.1:9/graphql',
        notifications: 'http://127.0.0.1:9/graphql',
        media: 'http://127.0.0.1:9/graphql',
      },
      routerSecret: 'test-router-secret-'.padEnd(40, 'x'),
      jwtPublicKey: generateSigningKeys().publicKey,
      logger: silent,
      production: false,
      host: '127.0.0.1',
      port: 0,
      presence: createPresenceStore({}),
      extend: webAppRoutes(dist, silent),
    });
    origin = new URL(await router.listen()).origin;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await router?.close();
    if (dist) await rm(dist, { recursive: true, force: true });
  });

  it('links a web manifest with a name, standalone display and 192 and 512 px icons that load', async () => {
    const html = await (await fetch(`${origin}/`)).text();
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest">');
    const manifest = (await (await fetch(`${origin}/manifest.webmanifest`)).json()) as {
      name: string;
      display: string;
      start_url: string;
      icons: Array<{ src: string; sizes: string; purpose?: string }>;
    };
    expect(manifest).toMatchObject({ name: 'ChirpChat', display: 'standalone', start_url: '/' });
    expect(manifest.icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.icons.some((icon) => icon.purpose === 'maskable')).toBe(true);
    for (const icon of manifest.icons) {
      const response = await fetch(new URL(icon.src, origin));
      expect(response.headers.get('content-type')).toBe('image/png');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(500);
    }
  });

  it('offers "A new version is available" when a new deploy is found, and Reload switches to it', async () => {
    const person = await openApp(browser, origin);
    const { page } = person;
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null')).toBe(true);
    expect(await page.getByRole('alert').filter({ hasText: 'new version' }).count()).toBe(0);

    // The next deploy: a service worker that differs by a byte.
    await appendFile(path.join(dist, 'sw.js'), '\n// next deploy\n');
    await page.evaluate('navigator.serviceWorker.getRegistration().then((registration) => registration.update())');
    const prompt = page.getByRole('alert').filter({ hasText: 'A new version of ChirpChat is available' });
    await prompt.waitFor({ timeout: 10_000 });

    const reloaded = page.waitForEvent('load');
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await prompt.count()).toBe(0);
    expect(await page.evaluate('navigator.serviceWorker.controller.scriptURL')).toBe(`${origin}/sw.js`);
    expect(person.problems).toEqual([]);
  }, 60_000);
});
