import type { Logger } from '@chirpchat/kit';
import type { UsersPeer } from '../peers/users.js';

const MAX_CACHED = 10_000;

/**
 * Senders' display names for pushes, asked of the users subgraph once per batch for the senders
 * not seen within the last minute. A name is a nicety: when users does not answer, the push goes
 * out without it (the conversation's title, or "New message").
 */
export class SenderNameService {
  private readonly cache = new Map<string, { name: string; until: number }>();

  constructor(
    private readonly users: UsersPeer,
    private readonly logger: Logger,
    private readonly cacheMs = 60_000,
  ) {}

  /** The names of those of `userIds` the users subgraph knows; never throws. */
  async namesOf(userIds: readonly string[]): Promise<Map<string, string>> {
    const now = Date.now();
    const names = new Map<string, string>();
    const missing: string[] = [];
    for (const id of new Set(userIds)) {
      const cached = this.cache.get(id);
      if (cached && cached.until > now) names.set(id, cached.name);
      else missing.push(id);
    }
    if (missing.length === 0) return names;
    try {
      const found = await this.users.displayNames(missing);
      if (this.cache.size + found.size > MAX_CACHED) this.cache.clear();
      for (const [id, name] of found) {
        names.set(id, name);
        this.cache.set(id, { name, until: now + this.cacheMs });
      }
    } catch (error) {
      this.logger.warn({ err: error, senders: missing.length }, 'sender names lookup failed; pushes go out without them');
    }
    return names;
  }
}
