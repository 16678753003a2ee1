// ChirpChat's service worker, one concern per module. Web Push arrives with the notifications issue.
import { handleUpdates } from './lifecycle';
import { serveAppShellForNavigations } from './navigation';
import { precacheAppShell } from './precache';

precacheAppShell();
serveAppShellForNavigations();
handleUpdates();
