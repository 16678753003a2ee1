import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { CloseCode, createClient } from 'graphql-ws';
import { readonly, ref } from 'vue';
import type { RealtimeState, RealtimeTransport } from './transport';

export interface GraphQLWsTransportOptions {
  /** The router's graphql-ws endpoint, e.g. `wss://chat.example.com/graphql`. */
  url: string;
  /**
   * The Authorization value to connect with, read at every (re)connect. `refused` is the value
   * the router last closed the socket for (4403: it expired): a new token is needed unless the
   * session has already renewed it.
   */
  authorization(options: { refused?: string }): Promise<string | undefined>;
  /**
   * A ping goes out this often when nothing else does, and a connection that does not answer
   * within `pongTimeoutMs` is dropped and reopened (a socket can die without a close event).
   * @default 20_000
   */
  keepAliveMs?: number;
  /** @default 5_000 */
  pongTimeoutMs?: number;
}

/** The first retry is quick (a deploy or a token expiry); later ones back off to 30 s, and wait for the network to be back. */
async function retryWait(retries: number): Promise<void> {
  if (!navigator.onLine) await new Promise((resolve) => window.addEventListener('online', resolve, { once: true }));
  const base = retries === 0 ? 250 : Math.min(30_000, 1000 * 2 ** retries);
  await new Promise((resolve) => setTimeout(resolve, base + Math.random() * base * 0.5));
}

/** Subscriptions over graphql-ws (`graphql-transport-ws`), the router's WebSocket protocol. */
export function createGraphQLWsTransport(options: GraphQLWsTransportOptions): RealtimeTransport {
  const state = ref<RealtimeState>('idle');
  const connectedListeners = new Set<(reconnected: boolean) => void>();
  let everConnected = false;
  let sentAuthorization: string | undefined;
  let refused: string | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;

  const client = createClient({
    url: options.url,
    lazy: true,
    // Keep the socket a moment after the last subscription ends: navigating re-subscribes at once.
    lazyCloseTimeout: 3000,
    keepAlive: options.keepAliveMs ?? 20_000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait,
    connectionParams: async () => {
      sentAuthorization = await options.authorization(refused ? { refused } : {});
      refused = undefined;
      return sentAuthorization ? { authorization: sentAuthorization } : {};
    },
    on: {
      connecting: (isRetry) => (state.value = isRetry || everConnected ? 'reconnecting' : 'connecting'),
      connected: () => {
        state.value = 'connected';
        const reconnected = everConnected;
        everConnected = true;
        for (const listener of connectedListeners) listener(reconnected);
      },
      closed: (event) => {
        clearTimeout(pongTimer);
        const code = (event as CloseEvent | undefined)?.code;
        if (code === CloseCode.Forbidden) refused = sentAuthorization;
        // 1000 is the lazy close after the last subscription ended; anything else is a drop.
        state.value = code === 1000 ? 'idle' : 'reconnecting';
      },
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => client.terminate(), options.pongTimeoutMs ?? 5000);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });

  return {
    link: new GraphQLWsLink(client),
    state: readonly(state),
    onConnected(listener) {
      connectedListeners.add(listener);
      return () => connectedListeners.delete(listener);
    },
    close() {
      clearTimeout(pongTimer);
      void client.dispose();
    },
  };
}
