import { readonly, ref } from 'vue';
import {
  RegisterPushSubscriptionDocument,
  UnregisterPushSubscriptionDocument,
  VapidPublicKeyDocument,
} from '../../graphql/generated/graphql';
import { request } from '../../graphql/request';
import { authorization } from '../auth/useSession';

/** Where Web Push stands in this browser for this user; expected failures are states, not exceptions. */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on' | 'working' | 'failed';

const state = ref<PushState>('off');
const problem = ref<string | null>(null);

function supported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  if (!supported()) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** The VAPID key as the bytes PushManager wants (it arrives base64url-encoded). */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function refresh(): Promise<void> {
  if (!supported()) state.value = 'unsupported';
  else if (Notification.permission === 'denied') state.value = 'denied';
  else state.value = (await currentSubscription()) ? 'on' : 'off';
}

/**
 * Asks for permission, subscribes this browser with the server's VAPID key and registers the
 * subscription with ChirpChat, so this user gets a push while they have no live connection.
 */
async function enable(): Promise<void> {
  problem.value = null;
  if (!supported()) return void (state.value = 'unsupported');
  state.value = 'working';
  try {
    if ((await Notification.requestPermission()) !== 'granted') return void (state.value = 'denied');
    const auth = await authorization();
    const { vapidPublicKey } = await request(VapidPublicKeyDocument, {}, auth);
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(vapidPublicKey),
    });
    const json = subscription.toJSON();
    await request(
      RegisterPushSubscriptionDocument,
      {
        input: {
          endpoint: subscription.endpoint,
          keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
          userAgent: navigator.userAgent,
        },
      },
      auth,
    );
    state.value = 'on';
  } catch (error) {
    state.value = 'failed';
    problem.value =
      error instanceof DOMException
        ? "This browser's push service could not be reached, so notifications stay off. Try again later."
        : error instanceof Error
          ? error.message
          : 'Notifications could not be turned on.';
  }
}

/** Stops pushes to this browser: on the server first (while still signed in), then in the browser. */
async function disable(): Promise<void> {
  problem.value = null;
  const subscription = await currentSubscription();
  if (subscription) {
    state.value = 'working';
    await request(UnregisterPushSubscriptionDocument, { endpoint: subscription.endpoint }, await authorization()).catch(() => undefined);
    await subscription.unsubscribe().catch(() => false);
  }
  await refresh();
}

/** Forgets this browser's push subscription on sign-out, so the next person here gets no one else's pushes. */
export function forgetPushSubscription(): Promise<void> {
  return disable();
}

/** The notifications toggle's state and actions. */
export function usePushNotifications() {
  void refresh();
  return { state: readonly(state), problem: readonly(problem), enable, disable };
}
