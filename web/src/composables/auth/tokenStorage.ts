import type { SessionFragment } from '../../graphql/generated/graphql';

/**
 * Where the session is kept: localStorage, so that a reload, a new tab or an installed PWA
 * launch stays signed in, and every tab sees a refresh another tab made (`storage` events).
 * The trade-off: any script running on this origin could read the tokens, so an XSS bug would
 * leak them. The client therefore never renders message text as HTML (components/MessageText.vue),
 * the router sends a strict Content-Security-Policy, access tokens live minutes, and refresh
 * tokens rotate with reuse detection (a stolen, replayed one revokes the whole session). An
 * httpOnly cookie would hide the refresh token from scripts, but the API takes tokens in
 * mutation arguments and headers (API.md), and cookies would need CSRF protection of their own.
 */
const KEY = 'chirpchat.session';

export type StoredSession = SessionFragment;

export function readSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<StoredSession>;
    const valid =
      typeof parsed.accessToken === 'string' &&
      typeof parsed.refreshToken === 'string' &&
      typeof parsed.accessTokenExpiresAt === 'string' &&
      typeof parsed.user?.id === 'string';
    return valid ? (parsed as StoredSession) : null;
  } catch {
    return null; // storage blocked or a value we did not write
  }
}

export function writeSession(session: StoredSession | null): void {
  try {
    if (session) localStorage.setItem(KEY, JSON.stringify(session));
    else localStorage.removeItem(KEY);
  } catch {
    // Private mode with storage disabled: the session lasts as long as the page.
  }
}

/** Calls `listener` when another tab signs in, refreshes or signs out. */
export function onSessionChangedElsewhere(listener: (session: StoredSession | null) => void): void {
  window.addEventListener('storage', (event) => {
    if (event.key === KEY || event.key === null) listener(readSession());
  });
}
