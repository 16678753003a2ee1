import { cleanupOutdatedCaches, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';

// Written as `self.__WB_MANIFEST` on purpose: the build finds that exact text and replaces it
// with the list of hashed files.
declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };

/**
 * The app shell (HTML, scripts, styles, icons, manifest) is stored at install and served from
 * the cache, so the app opens with no network; caches of older versions are removed.
 */
export function precacheAppShell(): void {
  precacheAndRoute(self.__WB_MANIFEST);
  cleanupOutdatedCaches();
}
