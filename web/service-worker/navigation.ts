import { createHandlerBoundToURL } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

/** Paths the router answers itself: never replaced by the app shell. */
const SERVER_PATHS = [/^\/graphql(\/|$)/, /^\/health(\/|$)/, /^\/media\//];

/**
 * Every page load of the single-page app (`/`, `/c/<id>`, `/sign-in`, …) gets the precached
 * index.html, online or not; the client-side router takes it from there.
 */
export function serveAppShellForNavigations(): void {
  registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: SERVER_PATHS }));
}
