import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/** argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes), above OWASP's minimum. */
const HASH_OPTIONS = { type: argon2.argon2id } as const;

/** Hashes and checks passwords; the only place that touches argon2. */
export class PasswordService {
  /**
   * A hash of a random password that nobody knows. Checking against it when the account does
   * not exist costs as much as a real check, so response time does not reveal which usernames
   * and emails are registered.
   */
  private readonly dummyHash: Promise<string>;

  constructor() {
    this.dummyHash = argon2.hash(randomBytes(32).toString('base64url'), HASH_OPTIONS);
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, HASH_OPTIONS);
  }

  /** True when `password` matches `hash`; with no hash, spends the same time and returns false. */
  async verify(hash: string | null, password: string): Promise<boolean> {
    const matches = await argon2.verify(hash ?? (await this.dummyHash), password).catch(() => false);
    return hash !== null && matches;
  }
}
