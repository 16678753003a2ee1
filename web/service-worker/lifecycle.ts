import { clientsClaim } from 'workbox-core';
import { worker } from './scope';

/**
 * A new version installs and then waits: the page shows "A new version is available" and, when
 * the user chooses Reload, posts SKIP_WAITING (workbox-window's `messageSkipWaiting`). The first
 * version takes control of the open page at once, so that it works offline without a reload.
 */
export function handleUpdates(): void {
  worker.addEventListener('message', (event) => {
    if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void worker.skipWaiting();
  });
  clientsClaim();
}
