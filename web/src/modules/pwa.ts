import { useRegisterSW } from 'virtual:pwa-register/vue';
import type { App } from 'vue';
import { PwaUpdateKey } from '../composables/app/usePwaUpdate';

/** How often an open app asks whether a new version was deployed. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

/** Registers the service worker (service-worker/sw.ts) and provides the update prompt's state. */
export function install(app: App): void {
  const { needRefresh, updateServiceWorker } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      if (registration) setInterval(() => void registration.update(), UPDATE_CHECK_MS);
    },
  });
  async function apply(): Promise<void> {
    // workbox-window reloads only when the page had a controller at registration; a page that
    // installed the first version and then met the second would otherwise stay on the old one.
    navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
    await updateServiceWorker(true);
  }
  app.provide(PwaUpdateKey, { available: needRefresh, apply });
}
