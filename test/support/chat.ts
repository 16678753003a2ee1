import { expect } from 'vitest';
import {
  ConversationMembersDocument,
  CreateConversationIdDocument,
  ViewMessageDocument,
  SendMessageViewDocument,
  type MessageViewFragment,
  type SendMessageInput,
} from './generated/graphql.js';
import { caller, type TestUser } from './graphql.js';
import type { Stack } from './stack.js';

/** What the chat tests read about a message (the MessageView fragment in test/graphql/fragments.graphql). */
export type MessageView = MessageViewFragment;

let clientIds = 0;

/** Chat operations as one signed-in user performs them through the router. */
export function chatAs(stack: Stack, user: TestUser) {
  const call = caller(stack.url, user.accessToken);
  return {
    call,
    /** Creates a conversation with the user as OWNER; fails the test when it cannot. */
    async create(
      kind: 'DIRECT' | 'GROUP' | 'CHANNEL',
      others: TestUser[],
      title: string | null = kind === 'DIRECT' ? null : 'Room',
    ): Promise<string> {
      const response = await call(CreateConversationIdDocument, { input: { kind, title, memberIds: others.map((u) => u.id) } });
      expect(response.errors).toBeUndefined();
      return response.data!.createConversation.id;
    },
    /** The raw response of a send, for tests about refusals. */
    trySend(conversationId: string, text: string, extra: Partial<SendMessageInput> = {}) {
      return call(SendMessageViewDocument, { input: { conversationId, clientId: `c-${clientIds++}`, text, ...extra } });
    },
    /** Sends and returns the message; fails the test when the send is refused. */
    async send(conversationId: string, text: string, extra: Partial<SendMessageInput> = {}): Promise<MessageView> {
      const response = await call(SendMessageViewDocument, {
        input: { conversationId, clientId: `c-${clientIds++}`, text, ...extra },
      });
      expect(response.errors).toBeUndefined();
      return response.data!.sendMessage;
    },
    /** The conversation's members and the user's role, or the error that refuses them. */
    conversation(id: string) {
      return call(ConversationMembersDocument, { id });
    },
    /** One message as the user sees it. */
    message(id: string) {
      return call(ViewMessageDocument, { id });
    },
  };
}

/** The members of a conversation as `{ userId: role }`, for comparing in one assertion. */
export function rolesOf(members: Array<{ user: { id: string }; role: string }>): Record<string, string> {
  return Object.fromEntries(members.map((member) => [member.user.id, member.role]));
}
