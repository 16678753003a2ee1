import { ROUTER_SECRET_HEADER } from '@chirpchat/kit';

export interface ConversationAccessOptions {
  /** The chat subgraph's GraphQL endpoint. */
  chatUrl: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

const ENTITIES_QUERY = 'query($r:[_Any!]!){ _entities(representations:$r){ ... on Conversation { id } } }';

/**
 * Asks the chat subgraph whether the caller is in a conversation. Notifications never reads chat's
 * tables: it calls `_entities` as the caller (their token), and chat answers null for anyone who
 * is not a member, exactly as it does for the router.
 */
export class ConversationAccessService {
  constructor(private readonly options: ConversationAccessOptions) {}

  /** @throws Error when chat does not answer (the caller gets an internal error, not a wrong answer) */
  async isMember(conversationId: string, authorization: string | null): Promise<boolean> {
    const response = await fetch(this.options.chatUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ROUTER_SECRET_HEADER]: this.options.routerSecret,
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ query: ENTITIES_QUERY, variables: { r: [{ __typename: 'Conversation', id: conversationId }] } }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const body = (await response.json().catch(() => null)) as { data?: { _entities?: Array<{ id?: string } | null> | null } } | null;
    const entities = body?.data?._entities;
    if (!response.ok || !Array.isArray(entities) || entities.length !== 1) {
      throw new Error(`The chat subgraph did not answer the membership lookup (HTTP ${response.status}).`);
    }
    return typeof entities[0]?.id === 'string';
  }
}
