import { isConversationMember } from '@chirpchat/kit';

export interface ConversationAccessOptions {
  /** The chat subgraph's GraphQL endpoint. */
  chatUrl: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * Asks the chat subgraph whether the caller is in a conversation. Notifications never reads chat's
 * tables: it calls `_entities` as the caller (their token), and chat answers null for anyone who
 * is not a member, exactly as it does for the router.
 */
export class ConversationAccessService {
  constructor(private readonly options: ConversationAccessOptions) {}

  /** @throws Error when chat does not answer (the caller gets an internal error, not a wrong answer) */
  isMember(conversationId: string, authorization: string | null): Promise<boolean> {
    const { chatUrl, routerSecret, timeoutMs = 5000 } = this.options;
    return isConversationMember({ chatUrl, routerSecret, authorization, conversationId, timeoutMs });
  }
}
