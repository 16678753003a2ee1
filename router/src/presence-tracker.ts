import { randomUUID } from 'node:crypto';
import type { Logger } from '@chirpchat/kit';
import type { PresenceConnection, PresenceStore } from '@chirpchat/kit/contracts';

export interface PresenceTrackerOptions {
  store: PresenceStore;
  logger: Logger;
  /**
   * How long a closed socket still counts, so that a client reconnecting (a page reload, a
   * network switch, a router instance restarting) never shows OFFLINE.
   * @default 10_000
   */
  graceMs?: number;
  /**
   * How often this instance renews its sockets in the store. A socket counts for three
   * heartbeats, so the sockets of an instance that crashed lapse after at most that long.
   * @default 20_000
   */
  heartbeatMs?: number;
}

/**
 * The router's part of presence: it is the one that knows who holds a live socket. Each
 * authenticated graphql-ws connection is held in the shared PresenceStore, renewed on a
 * heartbeat, and released with a grace period when it closes. Store failures are logged and
 * never refuse or drop a socket: presence is a hint, chatting is the product.
 */
export class PresenceTracker {
  private readonly live = new Map<string, PresenceConnection>();
  private readonly pending = new Set<Promise<void>>();
  private readonly graceMs: number;
  private readonly ttlMs: number;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: PresenceTrackerOptions) {
    this.graceMs = options.graceMs ?? 10_000;
    const heartbeatMs = options.heartbeatMs ?? 20_000;
    this.ttlMs = heartbeatMs * 3;
    this.heartbeat = setInterval(() => this.track(this.options.store.hold([...this.live.values()], this.ttlMs), 'heartbeat'), heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Holds a new socket of `userId`. The connection id comes back at once, so that a socket
   * closing while the write is under way is still released; `recorded` settles once the store
   * has it (it never rejects).
   */
  connected(userId: string): { connectionId: string; recorded: Promise<void> } {
    const connection = { userId, connectionId: randomUUID() };
    this.live.set(connection.connectionId, connection);
    return { connectionId: connection.connectionId, recorded: this.track(this.options.store.hold([connection], this.ttlMs), 'connect') };
  }

  /** Releases a socket; its user goes OFFLINE after the grace period unless another socket holds them. */
  disconnected(connectionId: string): void {
    const connection = this.live.get(connectionId);
    if (!connection) return;
    this.live.delete(connectionId);
    void this.track(this.options.store.release(connection, this.graceMs), 'disconnect');
  }

  /** Stops the heartbeat and waits for the store writes under way (the releases of a shutdown). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await Promise.all(this.pending);
  }

  private track(write: Promise<void>, what: string): Promise<void> {
    const tracked = write.catch((error: unknown) => this.options.logger.warn({ err: error }, `presence ${what} not recorded`));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return tracked;
  }
}
