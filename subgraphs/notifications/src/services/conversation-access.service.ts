import { fetchEntities } from '@chirpchat/kit';

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
  async isMember(conversationId: string, authorization: string | null): Promise<boolean> {
    const [conversation] = await fetchEntities<{ id?: string }>({
      url: this.options.chatUrl,
      routerSecret: this.options.routerSecret,
      authorization,
      typename: 'Conversation',
      ids: [conversationId],
      selection: 'id',
      timeoutMs: this.options.timeoutMs ?? 5000,
    });
    return typeof conversation?.id === 'string';
  }
}
