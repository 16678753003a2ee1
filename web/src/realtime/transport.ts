import type { ApolloLink } from '@apollo/client/core';
import type { Ref } from 'vue';

/**
 * - `idle`: no subscription is open, so neither is a connection
 * - `connecting`: opening the first connection
 * - `connected`: live events flow
 * - `reconnecting`: the connection dropped and is being opened again; events published
 *   meanwhile are lost, which is what `onConnected` listeners repair
 */
export type RealtimeState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

/**
 * How subscriptions reach the router. Apollo sends subscription operations to `link` and
 * everything else over HTTP, so another transport (Server-Sent Events, say) replaces this one
 * by implementing these four members; nothing else in the app knows which is in use.
 *
 * Delivery is at most once (API.md: live events can be lost), so a transport says when a
 * connection is (re)established, and the app then fetches what it may have missed.
 */
export interface RealtimeTransport {
  /** The Apollo link that carries subscription operations. */
  readonly link: ApolloLink;
  /** For the connection banner. */
  readonly state: Readonly<Ref<RealtimeState>>;
  /**
   * Calls `listener` each time a connection is established: `reconnected` is true when an
   * earlier one had dropped (or closed), so events may have been missed. Returns an unsubscribe function.
   */
  onConnected(listener: (reconnected: boolean) => void): () => void;
  /** Closes the connection and stops reconnecting. */
  close(): void;
}
