/**
 * A push-driven async iterator. Unlike an async generator, `return()` ends it at once, even
 * while a `next()` is waiting, and runs the release callback (unsubscribe from Redis, close an
 * upstream operation) straight away — so a client that stops listening frees everything at once.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private readonly waiting: Array<(result: IteratorResult<T>) => void> = [];
  private failure: unknown = undefined;
  private done = false;
  private releaseCallbacks: Array<() => void | Promise<void>> = [];

  /** @param maxBuffered events kept for a slow reader before the oldest are dropped (they can be fetched again by seq) */
  constructor(private readonly maxBuffered = 1000) {}

  /** Values pushed and not yet read. */
  get size(): number {
    return this.buffered.length;
  }

  /** Whether the channel has ended (its release callbacks may still be about to run). */
  get ended(): boolean {
    return this.done;
  }

  /** Adds a callback that runs once when the channel ends, however it ends. */
  onRelease(callback: () => void | Promise<void>): void {
    if (this.done) void callback();
    else this.releaseCallbacks.push(callback);
  }

  push(value: T): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) waiter({ value, done: false });
    else {
      this.buffered.push(value);
      if (this.buffered.length > this.maxBuffered) this.buffered.shift();
    }
  }

  /** Ends the channel after the buffered values have been read; with an error, `next()` rejects once they are. */
  end(error?: unknown): void {
    if (this.done) return;
    this.failure = error;
    this.finish();
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.buffered.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.done) {
      if (this.failure !== undefined) {
        const failure = this.failure;
        this.failure = undefined;
        return Promise.reject(failure instanceof Error ? failure : new Error(String(failure)));
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.failure = undefined;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.finish();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
    const callbacks = this.releaseCallbacks.splice(0);
    for (const callback of callbacks)
      void Promise.resolve()
        .then(callback)
        .catch(() => undefined);
  }
}

/**
 * A channel carrying `transform(value)` for each value of `source`, in order, skipping values
 * it maps to `undefined` (an event the subscriber may not see). Ending either ends both.
 */
export function transformChannel<T, U>(source: Channel<T>, transform: (value: T) => Promise<U | undefined>): Channel<U> {
  const target = new Channel<U>();
  target.onRelease(() => void source.return());
  void (async () => {
    try {
      for await (const value of source) {
        const mapped = await transform(value);
        if (mapped !== undefined) target.push(mapped);
      }
      target.end();
    } catch (error) {
      target.end(error);
    }
  })();
  return target;
}
