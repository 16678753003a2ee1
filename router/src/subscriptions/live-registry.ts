/**
 * Which subscriptions are live on this router, by root field and viewer: a subscription counts
 * once the subgraph behind it is listening, so an event published from then on reaches it.
 * Read by `/health`-style diagnostics and by tests that must not send before a subscriber
 * listens (graphql-ws itself never tells a client when a subscription has started).
 */
export class LiveRegistry {
  private readonly live = new Map<string, number>();
  private readonly made = new Map<string, number>();
  private readonly waiters: Array<{ counts: Map<string, number>; key: string; count: number; resolve: () => void }> = [];

  /** Records a subscription that is now listening; the returned function records its end (once). */
  activated(field: string, viewerId: string): () => void {
    const key = `${field}:${viewerId}`;
    this.live.set(key, (this.live.get(key) ?? 0) + 1);
    this.made.set(key, (this.made.get(key) ?? 0) + 1);
    this.settle();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.live.get(key) ?? 1) - 1;
      if (left > 0) this.live.set(key, left);
      else this.live.delete(key);
    };
  }

  /** How many subscriptions to `field` by `viewerId` are live now. */
  count(field: string, viewerId: string): number {
    return this.live.get(`${field}:${viewerId}`) ?? 0;
  }

  /** How many subscriptions are live, in all. */
  get size(): number {
    let total = 0;
    for (const count of this.live.values()) total += count;
    return total;
  }

  /** Resolves once `viewerId` holds at least `count` live subscriptions to `field`. */
  waitFor(field: string, viewerId: string, count = 1): Promise<void> {
    return this.until(this.live, `${field}:${viewerId}`, count);
  }

  /** Resolves once `count` more subscriptions to `field` by `viewerId` have become live than so far. */
  waitForNew(field: string, viewerId: string, count = 1): Promise<void> {
    const key = `${field}:${viewerId}`;
    return this.until(this.made, key, (this.made.get(key) ?? 0) + count);
  }

  private until(counts: Map<string, number>, key: string, count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ counts, key, count, resolve });
      this.settle();
    });
  }

  private settle(): void {
    for (const waiter of [...this.waiters]) {
      if ((waiter.counts.get(waiter.key) ?? 0) >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
