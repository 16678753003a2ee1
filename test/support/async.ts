import { setTimeout as pause } from 'node:timers/promises';

/** A promise together with the functions that settle it: a test waits on it instead of sleeping. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

export interface WaitUntilOptions {
  /** How long to keep checking. @default 5000 */
  timeoutMs?: number;
  /** The pause between two checks. @default 25 */
  intervalMs?: number;
  /** The error at the deadline: what did not happen, e.g. `'Bob is still ONLINE after his socket closed'`. */
  message: string;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Calls `check` until it returns something truthy, and returns that; throws `message` once
 * `timeoutMs` has passed without. An error thrown by `check` fails at once. For state that
 * changes with no event to wait on (another process's writes, a job in the database, Redis's
 * clock); where there is an event, wait on it with {@link deferred}.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, options: WaitUntilOptions): Promise<Truthy<T>> {
  const { timeoutMs = 5000, intervalMs = 25 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (performance.now() >= deadline) throw new Error(`${options.message} (checked for ${timeoutMs} ms)`);
    await pause(intervalMs);
  }
}
