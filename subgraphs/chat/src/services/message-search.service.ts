import { BadUserInputError, type EntityManager, type Viewer } from '@chirpchat/kit';
import { Message } from '../entities/message.entity.js';
import type { MembershipService } from './membership.service.js';
import { pageSize } from './paging.js';

/** The longest query, in characters. */
export const SEARCH_QUERY_MAX = 200;
/** The most results one search returns. */
export const SEARCH_FIRST_MAX = 50;

/**
 * Full-text search over the messages of the conversations the viewer is in, with PostgreSQL's
 * own search: the generated `search` tsvector column (configuration `simple`, see the
 * migration) and its GIN index. The query is read with `websearch_to_tsquery`, so people type
 * what they would type into a search engine: words (all must match), `"a phrase"`, `or`, and
 * `-word` to exclude.
 */
export class MessageSearchService {
  constructor(private readonly membership: MembershipService) {}

  /**
   * The best matches first (`ts_rank`), then the newest. Never returns a message from a
   * conversation the viewer is not in, a tombstone, or a message they hid for themselves.
   * @param conversationId searches only this conversation when given
   * @throws BadUserInputError for a blank or over-long query or a `first` outside 1–50;
   *   NotFoundError or ForbiddenError for a conversation the viewer is not in
   */
  async search(
    em: EntityManager,
    viewer: Viewer,
    query: string,
    conversationId: string | null | undefined,
    first: number | null | undefined,
  ): Promise<Message[]> {
    const text = query.trim();
    if (text.length === 0 || [...text].length > SEARCH_QUERY_MAX) {
      throw new BadUserInputError(`Search for 1 to ${SEARCH_QUERY_MAX} characters.`, 'query');
    }
    const size = pageSize(first, 20, SEARCH_FIRST_MAX);
    if (conversationId != null) await this.membership.require(em, conversationId, viewer.id);

    const rows = await em.execute<Array<{ id: string }>>(
      `select m."id"
         from "chat"."message" m
         join "chat"."member" mb on mb."conversation_id" = m."conversation_id" and mb."user_id" = ?
         cross join websearch_to_tsquery('simple', ?) q
        where m."search" @@ q
          and m."deleted_at" is null
          and (?::uuid is null or m."conversation_id" = ?::uuid)
          and not exists (select 1 from "chat"."hidden_message" h where h."user_id" = ? and h."message_id" = m."id")
        order by ts_rank(m."search", q) desc, m."created_at" desc, m."id" desc
        limit ?`,
      [viewer.id, text, conversationId ?? null, conversationId ?? null, viewer.id, size],
    );
    const ids = rows.map((row) => row.id);
    if (ids.length === 0) return [];
    const byId = new Map((await em.find(Message, { id: { $in: ids } })).map((message) => [message.id, message]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }
}
