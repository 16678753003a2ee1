import { BadUserInputError, type EntityManager } from '@chirpchat/kit';
import { Member } from '../entities/member.entity.js';
import { mentionTokens } from './mention.rules.js';
import type { UsersPeer } from '../peers/users.js';

/** Distinct `@words` one message may hold; each asks the users subgraph about up to two names. */
export const MENTIONS_MAX = 25;

/**
 * Turns the `@username`s of a text into the ids of the members they name. An `@word` that is
 * no registered username is plain text (people write `@home`, `@10am`); a registered user who
 * is not in the conversation is a mistake worth telling the sender about, so it is refused.
 */
export class MentionService {
  constructor(private readonly users: UsersPeer) {}

  /**
   * The mentioned members' ids, in order of first mention, each once. Asks the users subgraph
   * only when the text has an `@word` at all.
   * @param authorization the caller's own Authorization value, to look the names up as them
   * @throws BadUserInputError (field `text`) naming every mentioned user who is not a member,
   *   or when the text has more than 25 distinct `@words`
   */
  async resolve(em: EntityManager, conversationId: string, text: string, authorization: string | null): Promise<string[]> {
    const tokens = mentionTokens(text);
    if (tokens.length === 0) return [];
    if (tokens.length > MENTIONS_MAX) {
      throw new BadUserInputError(`A message can mention at most ${MENTIONS_MAX} different @names.`, 'text');
    }
    const names = [...new Set(tokens.flatMap((token) => token.candidates))];
    const idsByName = new Map((await this.users.byUsernames(names, authorization)).map((user) => [user.username, user.id]));
    const mentioned = new Map<string, string>();
    for (const token of tokens) {
      const name = token.candidates.find((candidate) => idsByName.has(candidate));
      if (name !== undefined && !mentioned.has(idsByName.get(name)!)) mentioned.set(idsByName.get(name)!, name);
    }
    if (mentioned.size === 0) return [];

    const members = await em.find(Member, { conversationId, userId: { $in: [...mentioned.keys()] } });
    const memberIds = new Set(members.map((member) => member.userId));
    const outsiders = [...mentioned].filter(([id]) => !memberIds.has(id)).map(([, name]) => `@${name}`);
    if (outsiders.length > 0) {
      const who = outsiders.length === 1 ? `${outsiders[0]} is` : `${outsiders.join(', ')} are`;
      throw new BadUserInputError(`${who} not in this conversation: add them first, or remove the mention.`, 'text');
    }
    return [...mentioned.keys()];
  }
}
