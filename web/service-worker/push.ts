import { worker } from './scope';

/** What the notifications subgraph sends (see its push payload). */
interface PushPayload {
  conversationId: string;
  title: string;
  senderName: string | null;
  /** Null when the recipient turned previews off. */
  preview: string | null;
  seq: number;
  /** Messages in this burst; the newest notification replaces the older one (same tag). */
  count: number;
}

/** The app's URL for a conversation (modules/router.ts). */
export function conversationPath(conversationId: string): string {
  return `/c/${encodeURIComponent(conversationId)}`;
}

function parse(data: PushMessageData | null): PushPayload | null {
  try {
    const payload = data?.json() as Partial<PushPayload> | undefined;
    return typeof payload?.conversationId === 'string' ? (payload as PushPayload) : null;
  } catch {
    return null;
  }
}

/**
 * Which conversation a window shows, if it is visible: asked of the page itself (modules/router.ts
 * answers), since a window's `url` stays the one it loaded and this worker may have been
 * restarted since the page last spoke. No answer in time counts as none.
 */
function viewedConversation(client: WindowClient): Promise<string | null> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), 500);
    channel.port1.onmessage = (event: MessageEvent<{ conversationId?: unknown }>) => {
      clearTimeout(timer);
      resolve(typeof event.data?.conversationId === 'string' ? event.data.conversationId : null);
    };
    client.postMessage({ type: 'WHICH_CONVERSATION' }, [channel.port2]);
  });
}

/** True when a visible window shows this conversation: the person is reading it already. */
async function isOpenAndVisible(conversationId: string): Promise<boolean> {
  const windows = await worker.clients.matchAll({ type: 'window' });
  const viewed = await Promise.all(windows.filter((client) => client.visibilityState === 'visible').map(viewedConversation));
  return viewed.includes(conversationId);
}

function body(payload: PushPayload): string {
  const who = payload.senderName ?? 'Someone';
  const what = payload.preview ?? 'sent a message';
  const text = payload.preview ? `${who}: ${what}` : `${who} ${what}`;
  return payload.count > 1 ? `${text} (${payload.count} new messages)` : text;
}

/**
 * Shows a notification for a push, one per conversation (`tag`), with the sender and a
 * preview, unless that conversation is open and visible in a window.
 */
export function handlePush(): void {
  worker.addEventListener('push', (event) => {
    const payload = parse(event.data);
    if (!payload) return;
    event.waitUntil(
      (async () => {
        if (await isOpenAndVisible(payload.conversationId)) return;
        await worker.registration.showNotification(payload.title || payload.senderName || 'ChirpChat', {
          body: body(payload),
          tag: payload.conversationId,
          icon: '/icons/icon-192.png',
          badge: '/icons/icon-192.png',
          data: { conversationId: payload.conversationId },
        });
      })(),
    );
  });
}
