import { expect } from 'vitest';
import { graphql, type GraphQLResponse, type TestUser } from './graphql.js';
import type { Stack } from './stack.js';

/** What the chat tests read about a message. */
export const MESSAGE_FIELDS = /* GraphQL */ `
  id
  seq
  text
  conversationId
  createdAt
  editedAt
  deletedAt
  hiddenForMe
  sender { id }
  replyTo { id seq text deletedAt sender { id username } }
  mentions { id username }
  reactions { emoji count reactedByMe users { id } }
`;

/** The shape MESSAGE_FIELDS selects. */
export interface MessageView {
  id: string;
  seq: number;
  text: string | null;
  conversationId: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  hiddenForMe: boolean;
  sender: { id: string };
  replyTo: { id: string; seq: number; text: string | null; deletedAt: string | null; sender: { id: string; username: string } } | null;
  mentions: Array<{ id: string; username: string }>;
  reactions: Array<{ emoji: string; count: number; reactedByMe: boolean; users: Array<{ id: string }> }>;
}

export const CONVERSATION_MEMBERS = /* GraphQL */ `
  query ($id: ID!) {
    conversation(id: $id) {
      id
      kind
      title
      lastSeq
      myRole
      members {
        user {
          id
        }
        role
      }
    }
  }
`;

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE_FIELDS} } }`;
const CREATE = `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`;

let clientIds = 0;

/** Chat operations as one signed-in user performs them through the router. */
export function chatAs(stack: Stack, user: TestUser) {
  const call = <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(stack.url, query, variables, user.accessToken);
  return {
    call,
    /** Creates a conversation with the user as OWNER; fails the test when it cannot. */
    async create(
      kind: 'DIRECT' | 'GROUP' | 'CHANNEL',
      others: TestUser[],
      title: string | null = kind === 'DIRECT' ? null : 'Room',
    ): Promise<string> {
      const response = await call(CREATE, { input: { kind, title, memberIds: others.map((u) => u.id) } });
      expect(response.errors).toBeUndefined();
      return response.data!.createConversation.id;
    },
    /** The raw response of a send, for tests about refusals. */
    trySend(conversationId: string, text: string, extra: Record<string, unknown> = {}) {
      return call<{ sendMessage: MessageView }>(SEND, { input: { conversationId, clientId: `c-${clientIds++}`, text, ...extra } });
    },
    /** Sends and returns the message; fails the test when the send is refused. */
    async send(conversationId: string, text: string, extra: Record<string, unknown> = {}): Promise<MessageView> {
      const response = await call<{ sendMessage: MessageView }>(SEND, {
        input: { conversationId, clientId: `c-${clientIds++}`, text, ...extra },
      });
      expect(response.errors).toBeUndefined();
      return response.data!.sendMessage;
    },
    /** The conversation's members and the user's role, or the error that refuses them. */
    conversation(id: string) {
      return call<{
        conversation: {
          id: string;
          kind: string;
          title: string | null;
          lastSeq: number;
          myRole: string;
          members: Array<{ user: { id: string }; role: string }>;
        } | null;
      }>(CONVERSATION_MEMBERS, { id });
    },
    /** One message as the user sees it. */
    message(id: string) {
      return call<{ message: MessageView | null }>(`query($id: ID!) { message(id: $id) { ${MESSAGE_FIELDS} } }`, { id });
    },
  };
}

/** The members of a conversation as `{ userId: role }`, for comparing in one assertion. */
export function rolesOf(members: Array<{ user: { id: string }; role: string }>): Record<string, string> {
  return Object.fromEntries(members.map((member) => [member.user.id, member.role]));
}
