import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, generateSigningKeys, type RunningServer } from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { createRouter, webAppRoutes } from '@chirpchat/router';
import { repoRoot } from '../support/environment.js';

const silent = createLogger({ level: 'silent' });

// The router serving a built web app: files, caching per kind of file, and the single-page-app fallback.
describe('the router serves the web app', () => {
  let dist: string;
  let router: RunningServer;
  let origin: string;

  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'chirpchat-web-dist-'));
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><div id="app"></div>');
    await writeFile(path.join(dist, 'assets', 'index-Ab12Cd34.js'), 'console.log(1)');
    await writeFile(path.join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {})');
    await writeFile(path.join(dist, 'manifest.webmanifest'), '{"name":"ChirpChat"}');
    await writeFile(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const keys = generateSigningKeys();
    router = await createRouter({
      supergraphSdl: await readFile(path.join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8'),
      subgraphUrls: {
        users: 'http://127.0.0.1:9/graphql',
        chat: 'http://127.0.0.1:9/graphql',
        notifications: 'http://127.0.0.1:9/graphql',
        media: 'http://127.0.0.1:9/graphql',
      },
      routerSecret: 'test-router-secret-'.padEnd(40, 'x'),
      jwtPublicKey: keys.publicKey,
      logger: silent,
      production: false,
      host: '127.0.0.1',
      port: 0,
      presence: createPresenceStore({}),
      extend: webAppRoutes(dist, silent),
    });
    origin = new URL(await router.listen()).origin;
  });

  afterAll(async () => {
    await router?.close();
    if (dist) await rm(dist, { recursive: true, force: true });
  });

  it('answers page URLs with index.html, never cached, under a Content-Security-Policy', async () => {
    for (const page of ['/', '/sign-in', '/c/0b6c5f1e-4f0e-4c44-9d1c-3f4c1b1f7a10']) {
      const response = await fetch(origin + page);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<div id="app">');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      // Media: object-URL previews, hls.js (Media Source from blob: URLs, its worker), the photo compression worker.
      expect(response.headers.get('content-security-policy')).toContain("media-src 'self' blob:");
      expect(response.headers.get('content-security-policy')).toContain("worker-src 'self' blob:");
    }
  });

  it('caches hashed assets for good and revalidates the service worker and the manifest', async () => {
    const asset = await fetch(`${origin}/assets/index-Ab12Cd34.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const entry of ['/sw.js', '/manifest.webmanifest', '/index.html']) {
      expect((await fetch(origin + entry)).headers.get('cache-control')).toBe('no-cache');
    }
    expect((await fetch(`${origin}/favicon.svg`)).headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it('leaves the API paths and missing files alone', async () => {
    const health = await fetch(`${origin}/health`);
    expect(health.headers.get('content-type')).toContain('application/json');
    const graphql = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await graphql.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${origin}/assets/missing-123.js`)).status).toBe(404);
    // Forwarded to the media subgraph (unreachable in this test), never answered with the app's page.
    const media = await fetch(`${origin}/media/abc`);
    expect(media.status).toBe(502);
    expect(await media.json()).toMatchObject({ error: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('is left out, with a log line, when the app is not built', () => {
    const lines: string[] = [];
    const spy = Object.assign(Object.create(silent) as typeof silent, {
      warn: (...args: unknown[]) => void lines.push(JSON.stringify(args)),
    });
    expect(webAppRoutes(path.join(dist, 'nowhere'), spy)).toBeUndefined();
    expect(lines.join()).toMatch(/not built/);
  });
});
