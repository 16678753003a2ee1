import { computed, readonly, ref, watch } from 'vue';
import { useRealtime } from '../../realtime/inject';

const online = ref(navigator.onLine);
window.addEventListener('online', () => (online.value = true));
window.addEventListener('offline', () => (online.value = false));

/** Whether the browser has a network, as a ref; `whenBackOnline` runs a callback each time it returns. */
export function useOnline() {
  return {
    online: readonly(online),
    whenBackOnline(callback: () => void): void {
      watch(online, (now, before) => {
        if (now && !before) callback();
      });
    },
  };
}

/** A drop shorter than this (a token renewal, a deploy) is not worth a banner. */
const RECONNECT_NOTICE_DELAY_MS = 2000;

/**
 * What the connection banner says: `offline` when the browser has no network (the app still
 * opens, from the service worker's cache), `reconnecting` when live updates have been down a
 * while, else null.
 */
export function useConnectivity() {
  const realtime = useRealtime();
  const slowReconnect = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(
    realtime.state,
    (state) => {
      clearTimeout(timer);
      if (state !== 'reconnecting') slowReconnect.value = false;
      else timer = setTimeout(() => (slowReconnect.value = true), RECONNECT_NOTICE_DELAY_MS);
    },
    { immediate: true },
  );
  return {
    online: readonly(online),
    notice: computed<'offline' | 'reconnecting' | null>(() => (!online.value ? 'offline' : slowReconnect.value ? 'reconnecting' : null)),
  };
}
