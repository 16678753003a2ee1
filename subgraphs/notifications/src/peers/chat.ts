import type { PeerAddress } from '@chirpchat/kit';
import { askIsMember } from '@chirpchat/kit/contracts';

/**
 * Notifications' client of the **chat** subgraph: asked whether the caller is in a conversation
 * they mute. Notifications never reads chat's tables; it asks as the caller (their token), and
 * chat answers null for anyone who is not a member.
 */
export class ChatPeer {
  constructor(private readonly chat: PeerAddress) {}

  /** @throws Error when chat does not answer (the caller gets an internal error, not a wrong answer) */
  isMember(conversationId: string, authorization: string | null): Promise<boolean> {
    return askIsMember(this.chat, conversationId, authorization);
  }
}
