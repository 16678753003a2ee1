import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { BoundedQueue } from '@chirpchat/kit';

/** argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes), above OWASP's minimum. */
const HASH_OPTIONS = { type: argon2.argon2id } as const;

/**
 * Hashes and checks passwords; the only place that touches argon2. Every hash and check waits
 * its turn in one bounded queue (by default half the cores at once, 32 waiting), so a flood of
 * sign-ins cannot take every core or libuv's whole thread pool (which file and DNS work share);
 * past the queue a sign-in is refused at once with RATE_LIMITED instead of waiting for minutes.
 */
export class PasswordService {
  /**
   * A hash of a random password that nobody knows. Checking against it when the account does
   * not exist costs as much as a real check, so response time does not reveal which usernames
   * and emails are registered.
   */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly queue = new BoundedQueue()) {
    this.dummyHash = argon2.hash(randomBytes(32).toString('base64url'), HASH_OPTIONS);
  }

  /** @throws RateLimitedError when too many hashes are waiting already */
  hash(password: string): Promise<string> {
    return this.queue.run(() => argon2.hash(password, HASH_OPTIONS));
  }

  /**
   * True when `password` matches `hash`; with no hash, spends the same time and returns false.
   * @throws RateLimitedError when too many checks are waiting already
   */
  async verify(hash: string | null, password: string): Promise<boolean> {
    const against = hash ?? (await this.dummyHash);
    const matches = await this.queue.run(() => argon2.verify(against, password).catch(() => false));
    return hash !== null && matches;
  }
}
