interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Collects every key asked for in the same tick and loads them with one call, so that a field
 * resolved for each of 50 list items costs one query, not 50.
 *
 * It keeps nothing once a batch is answered. That is deliberate: a subscription's context
 * lives as long as the subscription, and a cache kept for the whole context would serve the
 * values of its first event to every later one.
 */
export class BatchLoader<K, V> {
  private queue = new Map<K, Array<Waiter<V>>>();

  /** @param loadMany answers a batch; keys it leaves out resolve to `undefined` */
  constructor(private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      // As DataLoader does: wait until the promise jobs queued so far have run, so keys asked
      // for a few awaits deeper (type-graphql's argument handling) still join this batch.
      if (this.queue.size === 0) void Promise.resolve().then(() => process.nextTick(() => void this.dispatch()));
      const waiters = this.queue.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
    });
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue;
    this.queue = new Map();
    try {
      const values = await this.loadMany([...batch.keys()]);
      for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(values.get(key));
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}
