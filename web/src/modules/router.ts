import { watch, type App } from 'vue';
import { createRouter, createWebHistory } from 'vue-router';
import { useSession } from '../composables/auth/useSession';
import ChatPage from '../pages/ChatPage.vue';
import ConversationActivityPage from '../pages/ConversationActivityPage.vue';
import ConversationPage from '../pages/ConversationPage.vue';
import HomePage from '../pages/HomePage.vue';
import NewConversationPage from '../pages/NewConversationPage.vue';
import RegisterPage from '../pages/RegisterPage.vue';
import SecurityPage from '../pages/SecurityPage.vue';
import SecurityActivityPage from '../pages/SecurityActivityPage.vue';
import SignInPage from '../pages/SignInPage.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Only for signed-in people; others go to sign in first. */
    requiresAuth?: boolean;
    /** Only for signed-out people; others go to their conversations. */
    guestOnly?: boolean;
  }
}

/** Installs the router: URLs for every screen, and the signed-in / signed-out guards. */
export function install(app: App): void {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/sign-in', name: 'sign-in', component: SignInPage, meta: { guestOnly: true } },
      { path: '/register', name: 'register', component: RegisterPage, meta: { guestOnly: true } },
      {
        path: '/',
        component: ChatPage,
        meta: { requiresAuth: true },
        children: [
          { path: '', name: 'home', component: HomePage },
          { path: 'new', name: 'new-conversation', component: NewConversationPage },
          { path: 'c/:id', name: 'conversation', component: ConversationPage, props: true },
          { path: 'settings/security', name: 'security', component: SecurityPage },
          { path: 'c/:id/activity', name: 'conversation-activity', component: ConversationActivityPage, props: true },
          { path: 'settings/activity', name: 'security-activity', component: SecurityActivityPage },
        ],
      },
      { path: '/:unknown(.*)*', redirect: '/' },
    ],
  });

  const { signedIn } = useSession();
  router.beforeEach((to) => {
    if (to.meta.requiresAuth && !signedIn.value) return { name: 'sign-in', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
    if (to.meta.guestOnly && signedIn.value) return { name: 'home' };
    return true;
  });
  // Signing out here, in another tab, or by a refused refresh token leaves the signed-in screens.
  watch(signedIn, (now) => {
    if (!now && router.currentRoute.value.meta.requiresAuth) void router.replace({ name: 'sign-in' });
  });
  // The service worker's questions (service-worker/push.ts, notification-click.ts): which
  // conversation is on screen (no notification for it), and opening one from a notification.
  navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<{ type?: unknown; path?: unknown }>) => {
    if (event.data?.type === 'OPEN_CONVERSATION' && typeof event.data.path === 'string') void router.push(event.data.path);
    if (event.data?.type === 'WHICH_CONVERSATION') {
      const route = router.currentRoute.value;
      const shown = route.name === 'conversation' && document.visibilityState === 'visible' ? String(route.params.id) : null;
      event.ports[0]?.postMessage({ conversationId: shown });
    }
  });
  app.use(router);
}
