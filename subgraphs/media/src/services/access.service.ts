import type { Viewer } from '@chirpchat/kit';
import type { Media } from '../entities/media.entity.js';
import type { ChatPeer } from '../peers/chat.js';

export interface MediaAccessOptions {
  /** How long an answer is reused: a request resolving many files, or a burst of events, asks chat once. @default 2000 */
  cacheMs?: number;
}

interface Cached {
  at: number;
  answer: Promise<boolean>;
}

const MAX_CACHED = 10_000;

/**
 * Decides who may see a file: its uploader; for a file sent to a conversation, that
 * conversation's current members; for a profile picture or story, people who share a
 * conversation with the uploader. Media never reads chat's tables: it asks chat's `_entities` as
 * the viewer (their own token), and chat answers null for conversations they are not in.
 * Answers are kept for a moment so that one request or a burst of events costs one call.
 */
export class MediaAccessService {
  private readonly cache = new Map<string, Cached>();
  private readonly cacheMs: number;

  constructor(
    private readonly chat: ChatPeer,
    options: MediaAccessOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 2000;
  }

  /** @throws Error when chat does not answer (an internal error, never a wrong "yes") */
  async canSee(media: Pick<Media, 'uploaderId' | 'conversationId'>, viewer: Viewer, authorization: string | null): Promise<boolean> {
    if (media.uploaderId === viewer.id) return true;
    if (media.conversationId) return this.isMember(media.conversationId, viewer, authorization);
    return this.sharesConversationWith(media.uploaderId, viewer, authorization);
  }

  /** Whether the viewer is a current member of the conversation. */
  isMember(conversationId: string, viewer: Viewer, authorization: string | null): Promise<boolean> {
    return this.remember(`c:${viewer.id}:${conversationId}`, () => this.chat.isMember(conversationId, authorization));
  }

  private sharesConversationWith(userId: string, viewer: Viewer, authorization: string | null): Promise<boolean> {
    return this.remember(`u:${viewer.id}:${userId}`, () => this.chat.sharesConversationWith(userId, authorization));
  }

  private remember(key: string, ask: () => Promise<boolean>): Promise<boolean> {
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < this.cacheMs) return cached.answer;
    if (this.cache.size >= MAX_CACHED) {
      for (const [oldKey, entry] of this.cache) if (now - entry.at >= this.cacheMs) this.cache.delete(oldKey);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
    }
    const answer = ask();
    this.cache.set(key, { at: now, answer });
    // A failed lookup is not remembered: the next request asks again.
    answer.catch(() => this.cache.delete(key));
    return answer;
  }
}
