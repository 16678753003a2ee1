import { fetchEntities } from '@chirpchat/kit';
import { CHAT_CONVERSATION_TYPENAME } from '@chirpchat/kit/contracts';

export interface ChatPeerOptions {
  /** The chat subgraph's GraphQL endpoint. */
  chatUrl: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * Notifications' client of the **chat** subgraph: asked whether the caller is in a conversation
 * they mute or unmute. Notifications never reads chat's tables: it calls `_entities` as the
 * caller (their token), and chat answers null for anyone who is not a member.
 */
export class ChatPeer {
  constructor(private readonly options: ChatPeerOptions) {}

  /** @throws Error when chat does not answer (the caller gets an internal error, not a wrong answer) */
  async isMember(conversationId: string, authorization: string | null): Promise<boolean> {
    const { chatUrl: url, routerSecret, timeoutMs = 5000 } = this.options;
    const [conversation] = await fetchEntities<{ id?: string }>({
      url,
      routerSecret,
      authorization,
      typename: CHAT_CONVERSATION_TYPENAME,
      ids: [conversationId],
      selection: 'id',
      timeoutMs,
    });
    return typeof conversation?.id === 'string';
  }
}
