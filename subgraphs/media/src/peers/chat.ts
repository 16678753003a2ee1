import type { PeerAddress } from '@chirpchat/kit';
import { askIsMember, askSharesConversation } from '@chirpchat/kit/contracts';

/**
 * Media's client of the **chat** subgraph: who may see a file depends on conversations, which
 * only chat knows. Media never reads chat's tables; it asks as the viewer (their own token), and
 * chat answers only about conversations they are in.
 */
export class ChatPeer {
  constructor(private readonly chat: PeerAddress) {}

  /** @throws Error when chat does not answer (an internal error, never a wrong "yes") */
  isMember(conversationId: string, authorization: string | null): Promise<boolean> {
    return askIsMember(this.chat, conversationId, authorization);
  }

  /** @throws Error when chat does not answer */
  sharesConversationWith(userId: string, authorization: string | null): Promise<boolean> {
    return askSharesConversation(this.chat, userId, authorization);
  }
}
