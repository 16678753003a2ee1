import { forgetPushSubscription } from '../notifications/usePushNotifications';
import { computed, shallowRef, watch } from 'vue';
import {
  ChangePasswordDocument,
  DeleteAccountDocument,
  LoginDocument,
  LogoutDocument,
  RefreshSessionDocument,
  RegisterDocument,
  type ChangePasswordInput,
  type LoginInput,
  type RegisterInput,
} from '../../graphql/generated/graphql';
import { toFailure, type Failure } from '../../graphql/errors';
import { request } from '../../graphql/request';
import { onSessionChangedElsewhere, readSession, writeSession, type StoredSession } from './tokenStorage';

/** What a refresh came to: a new token pair, a session that is over, or a server out of reach (kept; tried again). */
export type RefreshOutcome = 'refreshed' | 'signed-out' | 'unreachable';

/** Refresh this long before the access token expires… */
const REFRESH_AHEAD_MS = 60_000;
/** …and treat a token this close to expiry as expired when sending it. */
const MIN_VALIDITY_MS = 5_000;
const RETRY_UNREACHABLE_MS = 15_000;

const session = shallowRef<StoredSession | null>(readSession());
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<RefreshOutcome> | null = null;

function store(next: StoredSession | null): void {
  session.value = next;
  writeSession(next);
}

function msUntilExpiry(value: StoredSession): number {
  return new Date(value.accessTokenExpiresAt).getTime() - Date.now();
}

/**
 * Silent refresh: a minute before the access token expires (half its remaining life when that
 * is shorter), so requests and the socket always carry a valid token.
 */
function scheduleRefresh(value: StoredSession | null): void {
  clearTimeout(refreshTimer);
  if (!value) return;
  const remaining = msUntilExpiry(value);
  const delay = Math.max(remaining - REFRESH_AHEAD_MS, remaining / 2, 0);
  refreshTimer = setTimeout(refreshOrRetry, delay);
}

/** A refresh that found the server out of reach is tried again; success reschedules through the watcher below. */
function refreshOrRetry(): void {
  void refreshSession().then((outcome) => {
    if (outcome === 'unreachable') refreshTimer = setTimeout(refreshOrRetry, RETRY_UNREACHABLE_MS);
  });
}

watch(session, scheduleRefresh, { immediate: true });
onSessionChangedElsewhere((next) => (session.value = next));

/** Runs `task` while no other tab of this origin refreshes: two tabs spending one refresh token would revoke the session. */
function exclusively<T>(task: () => Promise<T>): Promise<T> {
  return navigator.locks ? navigator.locks.request('chirpchat.refresh-session', task) : task();
}

/**
 * Trades the refresh token for a new pair (the API rotates it: the new one is always stored).
 * One refresh at a time, across tabs; a tab that finds a newer pair from another tab uses it.
 */
export function refreshSession(): Promise<RefreshOutcome> {
  inFlight ??= exclusively(async (): Promise<RefreshOutcome> => {
    // Another tab may have refreshed while this one waited for the lock: its pair is in storage.
    const stored = readSession();
    if (stored && session.value && stored.refreshToken !== session.value.refreshToken) {
      session.value = stored;
      if (msUntilExpiry(stored) > MIN_VALIDITY_MS) return 'refreshed';
    }
    const current = session.value;
    if (!current) return 'signed-out';
    try {
      const { refreshSession: renewed } = await request(RefreshSessionDocument, { refreshToken: current.refreshToken });
      if (session.value !== current) {
        // Signed out (or in as someone else) meanwhile: this pair belongs to no one now.
        void request(LogoutDocument, { refreshToken: renewed.refreshToken }).catch(() => undefined);
        return session.value ? 'refreshed' : 'signed-out';
      }
      store(renewed);
      return 'refreshed';
    } catch (error) {
      const failure = toFailure(error);
      if (failure.code === 'NETWORK' || failure.code === 'RATE_LIMITED' || failure.code === 'INTERNAL_SERVER_ERROR') return 'unreachable';
      if (session.value === current) store(null);
      return 'signed-out';
    }
  }).finally(() => (inFlight = null));
  return inFlight;
}

/**
 * The Authorization value for a request or a socket: the current access token, refreshed first
 * when it is about to expire, or when it is the one the server just `refused`. Undefined when
 * signed out.
 */
export async function authorization(options: { refused?: string } = {}): Promise<string | undefined> {
  const current = session.value;
  if (!current) return undefined;
  const wasRefused = options.refused === `Bearer ${current.accessToken}`;
  if (wasRefused || msUntilExpiry(current) < MIN_VALIDITY_MS) await refreshSession();
  return session.value ? `Bearer ${session.value.accessToken}` : undefined;
}

async function start(run: () => Promise<StoredSession>): Promise<Failure | null> {
  try {
    store(await run());
    return null;
  } catch (error) {
    return toFailure(error);
  }
}

/** The signed-in user and the actions that change who it is. Failures are returned, not thrown. */
export function useSession() {
  return {
    user: computed(() => session.value?.user ?? null),
    signedIn: computed(() => session.value !== null),
    register: (input: RegisterInput) => start(async () => (await request(RegisterDocument, { input })).register),
    signIn: (input: LoginInput) => start(async () => (await request(LoginDocument, { input })).login),
    /** Every session is signed out, this one included: it goes on with the new pair the answer brings. */
    changePassword: (input: ChangePasswordInput) =>
      start(async () => (await request(ChangePasswordDocument, { input }, await authorization())).changePassword),
    /** Deletes the account on the server, then forgets the session here. */
    async deleteAccount(password: string): Promise<Failure | null> {
      try {
        await request(DeleteAccountDocument, { password }, await authorization());
      } catch (error) {
        return toFailure(error);
      }
      await forgetPushSubscription().catch(() => undefined);
      store(null);
      return null;
    },
    /** Ends the session here at once, and on the server when it answers. */
    async signOut(): Promise<void> {
      // While still signed in: the server forgets this browser's push subscription.
      await forgetPushSubscription().catch(() => undefined);
      const current = session.value;
      store(null);
      if (current) await request(LogoutDocument, { refreshToken: current.refreshToken }).catch(() => undefined);
    },
  };
}
