import { conversationPath } from './push';
import { worker } from './scope';

/**
 * Clicking a notification opens its conversation: in a ChirpChat window that is already open
 * (brought to the front), or in a new one.
 */
export function handleNotificationClicks(): void {
  worker.addEventListener('notificationclick', (event) => {
    event.notification.close();
    const conversationId = (event.notification.data as { conversationId?: unknown } | null)?.conversationId;
    const path = typeof conversationId === 'string' ? conversationPath(conversationId) : '/';
    event.waitUntil(
      (async () => {
        const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
        const existing = windows.find((client) => new URL(client.url).origin === worker.location.origin);
        if (!existing) {
          await worker.clients.openWindow(path);
          return;
        }
        // Tell the app to route (no reload, its state stays); focusing needs the click's permission.
        existing.postMessage({ type: 'OPEN_CONVERSATION', path });
        await existing.focus().catch(() => undefined);
      })(),
    );
  });
}
