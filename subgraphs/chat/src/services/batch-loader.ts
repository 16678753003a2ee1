interface Waiter<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

/**
 * Collects the keys asked for in one tick and fetches them with one query: a page of 100
 * messages asks for 100 reaction lists, 100 replied-to messages and so on, field by field.
 * It batches only and caches nothing, so a long-lived subscription never serves stale rows.
 */
export class BatchLoader<K, V> {
  private queue = new Map<K, Array<Waiter<V>>>();

  /**
   * @param fetch loads the values of many keys at once
   * @param missing the value for a key that `fetch` left out
   */
  constructor(
    private readonly fetch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly missing: V,
  ) {}

  load(key: K): Promise<V> {
    return new Promise((resolve, reject) => {
      if (this.queue.size === 0) queueMicrotask(() => void this.dispatch());
      this.queue.set(key, [...(this.queue.get(key) ?? []), { resolve, reject }]);
    });
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue;
    this.queue = new Map();
    try {
      const values = await this.fetch([...batch.keys()]);
      for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(values.has(key) ? values.get(key)! : this.missing);
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}
