import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { VitePWA } from 'vite-plugin-pwa';

/** Where `npm run dev` sends API calls: a running router (`npm start` at the root). */
const api = process.env.CHIRPCHAT_API ?? 'http://localhost:4000';

export default defineConfig(({ mode }) => ({
  plugins: [
    // Single-file components (.vue).
    vue(),
    // The web manifest, and our own service worker (service-worker/) built with the list of
    // hashed files to precache injected, so that the app shell opens offline.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'service-worker',
      filename: 'sw.ts',
      // A new version waits until the user accepts the update prompt (components/UpdatePrompt.vue).
      registerType: 'prompt',
      // Registered by modules/pwa.ts through virtual:pwa-register/vue.
      injectRegister: false,
      injectManifest: {
        // The manifest and its icons are added by the plugin itself.
        globPatterns: ['**/*.{js,css,html,svg,png}'],
        // Video playback (hls.js) and photo compression need the network anyway: fetched when first used, not at install.
        globIgnores: ['**/hls-*.js', '**/browser-image-compression-*.js'],
      },
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: 'ChirpChat',
        short_name: 'ChirpChat',
        description: 'Real-time chat: direct chats and groups, live.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#2563eb',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
  define: {
    // Apollo Client checks `globalThis.__DEV__` at run time; `false` lets the build drop its dev-only code.
    ...(mode === 'production' ? { 'globalThis.__DEV__': 'false' } : {}),
  },
  build: {
    target: 'es2022',
  },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true },
      '/health': api,
      '/media': api,
    },
  },
}));
