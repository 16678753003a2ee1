import { BadUserInputError, ForbiddenError, type EntityManager, type Viewer } from '@chirpchat/kit';
import { ConversationMute } from '../entities/conversation-mute.entity.js';
import type { ChatPeer } from '../peers/chat.js';

/** Each request's EntityManager fork → the viewer's active mutes, so a list of conversations costs one query. */
const activeMutesByRequest = new WeakMap<EntityManager, Promise<Map<string, Date | null>>>();

/** Muting conversations: no pushes for them, for a while or until unmuted. */
export class MuteService {
  constructor(private readonly chat: ChatPeer) {}

  /**
   * Mutes the conversation for the viewer until `until` (null: until they unmute it); muting again
   * replaces the end.
   * @throws BadUserInputError when `until` is not in the future; ForbiddenError when the viewer is
   *   not a member (or there is no such conversation: the two are not told apart)
   */
  async mute(em: EntityManager, viewer: Viewer, conversationId: string, until: Date | null, authorization: string | null): Promise<true> {
    if (until !== null && until.getTime() <= Date.now()) {
      throw new BadUserInputError('until must be in the future; leave it out to mute until you unmute.', 'until');
    }
    if (!(await this.chat.isMember(conversationId, authorization))) {
      throw new ForbiddenError('You are not a member of this conversation.');
    }
    await em.execute(
      `insert into "notifications"."conversation_mute" ("user_id", "conversation_id", "until", "created_at") values (?, ?, ?, now())
       on conflict ("user_id", "conversation_id") do update set "until" = excluded."until"`,
      [viewer.id, conversationId, until],
    );
    activeMutesByRequest.delete(em);
    return true;
  }

  /** Unmutes; true whether or not it was muted. */
  async unmute(em: EntityManager, viewer: Viewer, conversationId: string): Promise<true> {
    await em.nativeDelete(ConversationMute, { userId: viewer.id, conversationId });
    activeMutesByRequest.delete(em);
    return true;
  }

  /** Whether the viewer muted the conversation and until when (null: until they unmute). */
  async state(em: EntityManager, viewer: Viewer, conversationId: string): Promise<{ muted: boolean; until: Date | null }> {
    let mutes = activeMutesByRequest.get(em);
    if (!mutes) {
      mutes = em
        .find(ConversationMute, { userId: viewer.id, $or: [{ until: null }, { until: { $gt: new Date() } }] })
        .then((rows) => new Map(rows.map((row) => [row.conversationId, row.until])));
      activeMutesByRequest.set(em, mutes);
    }
    const found = await mutes;
    return { muted: found.has(conversationId), until: found.get(conversationId) ?? null };
  }
}
