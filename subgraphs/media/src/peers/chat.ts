import { fetchEntities } from '@chirpchat/kit';
import { CHAT_CONVERSATION_TYPENAME } from '@chirpchat/kit/contracts';

export interface ChatPeerOptions {
  /** The chat subgraph's GraphQL endpoint: chat knows who is in which conversation. */
  chatUrl: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * Media's client of the **chat** subgraph: who may see a file depends on conversations, which
 * only chat knows. Media never reads chat's tables; it asks chat's `_entities` as the viewer
 * (their own token), and chat answers only about conversations they are in.
 */
export class ChatPeer {
  constructor(private readonly options: ChatPeerOptions) {}

  /**
   * Whether the caller is a current member of the conversation (`Conversation { id }`).
   * @throws Error when chat does not answer (an internal error, never a wrong "yes")
   */
  async isMember(conversationId: string, authorization: string | null): Promise<boolean> {
    const [conversation] = await this.entities<{ id?: string }>(CHAT_CONVERSATION_TYPENAME, conversationId, 'id', authorization);
    return typeof conversation?.id === 'string';
  }

  /**
   * Whether the caller shares a conversation with `userId` (`User { sharesConversationWithMe }`).
   * @throws Error when chat does not answer
   */
  async sharesConversationWith(userId: string, authorization: string | null): Promise<boolean> {
    const [user] = await this.entities<{ sharesConversationWithMe?: boolean }>('User', userId, 'sharesConversationWithMe', authorization);
    return user?.sharesConversationWithMe === true;
  }

  private entities<T extends object>(typename: string, id: string, selection: string, authorization: string | null) {
    const { chatUrl: url, routerSecret, timeoutMs = 5000 } = this.options;
    return fetchEntities<T>({ url, routerSecret, authorization, typename, ids: [id], selection, timeoutMs });
  }
}
