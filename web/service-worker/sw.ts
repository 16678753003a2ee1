// ChirpChat's service worker, one concern per module.
import { handleUpdates } from './lifecycle';
import { handleNotificationClicks } from './notification-click';
import { handlePush } from './push';
import { serveAppShellForNavigations } from './navigation';
import { precacheAppShell } from './precache';

precacheAppShell();
serveAppShellForNavigations();
handleUpdates();
handlePush();
handleNotificationClicks();
