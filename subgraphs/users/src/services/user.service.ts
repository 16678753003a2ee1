import { raw } from '@mikro-orm/core';
import { BadUserInputError, BatchLoader, type EntityManager } from '@chirpchat/kit';
import { User } from '../entities/user.entity.js';
import { USERNAME } from './profile.rules.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SEARCH_QUERY_MAX = 64;
export const SEARCH_FIRST_MAX = 50;
export const USERNAMES_MAX = 50;

/** Reading profiles (ProfileService edits them). Access rules (who may ask) are the resolvers' part. */
export class UserService {
  /**
   * One loader per request's EntityManager, so batches never mix requests: `_entities` asks
   * for each user separately, often dozens at once (the senders of a page of messages), and
   * the loader turns them into one query.
   */
  private readonly loaders = new WeakMap<EntityManager, BatchLoader<string, User>>();

  /** The user with this id, or null — also for ids that are not UUIDs, which no user has. */
  async byId(em: EntityManager, id: string): Promise<User | null> {
    if (!UUID.test(id)) return null;
    let loader = this.loaders.get(em);
    if (!loader) {
      loader = new BatchLoader(async (ids) => new Map((await em.find(User, { id: { $in: ids } })).map((user) => [user.id, user])));
      this.loaders.set(em, loader);
    }
    return (await loader.load(id.toLowerCase())) ?? null;
  }

  /**
   * Users whose username or display name contains `query` (case-insensitive), exact matches
   * first, then those that start with it, then by username. Nobody is left out, the viewer
   * included: a client filters what it does not want.
   * @throws BadUserInputError when `query` is blank or longer than 64, or `first` is not 1–50
   */
  async search(em: EntityManager, query: string, first: number): Promise<User[]> {
    const text = query.trim();
    if (text.length < 1 || text.length > SEARCH_QUERY_MAX) {
      throw new BadUserInputError(`Search for 1 to ${SEARCH_QUERY_MAX} characters.`, 'query');
    }
    if (!Number.isInteger(first) || first < 1 || first > SEARCH_FIRST_MAX) {
      throw new BadUserInputError(`Ask for 1 to ${SEARCH_FIRST_MAX} users at a time.`, 'first');
    }
    const escaped = text.replace(/[\\%_]/g, '\\$&');
    const lower = text.toLowerCase();
    const rank = raw(
      (alias) =>
        `case when ${alias}.username = ? or lower(${alias}.display_name) = ? then 0 ` +
        `when ${alias}.username ilike ? or ${alias}.display_name ilike ? then 1 else 2 end`,
      [lower, lower, `${escaped}%`, `${escaped}%`],
    );
    return em.find(
      User,
      { $or: [{ username: { $ilike: `%${escaped}%` } }, { displayName: { $ilike: `%${escaped}%` } }] },
      { orderBy: [{ [rank]: 'asc' }, { username: 'asc' }], limit: first },
    );
  }

  /**
   * The users with these usernames, in the order asked, each once; names that belong to nobody
   * (or could not be usernames at all) are left out rather than refused, because callers such
   * as chat's `@mention` parsing ask about words that may be plain text.
   * @throws BadUserInputError when more than 50 names are asked for at once
   */
  async byUsernames(em: EntityManager, usernames: readonly string[]): Promise<User[]> {
    const wanted = [...new Set(usernames.map((name) => name.trim().toLowerCase()))];
    if (wanted.length > USERNAMES_MAX) {
      throw new BadUserInputError(`Ask for at most ${USERNAMES_MAX} usernames at a time.`, 'usernames');
    }
    const valid = wanted.filter((name) => USERNAME.test(name));
    if (valid.length === 0) return [];
    const found = new Map((await em.find(User, { username: { $in: valid } })).map((user) => [user.username, user]));
    return valid.flatMap((name) => found.get(name) ?? []);
  }
}
