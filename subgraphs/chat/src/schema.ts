import { ConversationAuditResolver } from './resolvers/conversation-audit.resolver.js';
import { resolveConversationReference } from './resolvers/conversation.reference.js';
import { ConversationResolver } from './resolvers/conversation.resolver.js';
import { MemberManagementResolver } from './resolvers/member-management.resolver.js';
import { ConversationUnreadResolver } from './resolvers/conversation-unread.resolver.js';
import { MemberResolver } from './resolvers/member.resolver.js';
import { MessageChangeResolver } from './resolvers/message-change.resolver.js';
import { MessageDetailsResolver } from './resolvers/message-details.resolver.js';
import { resolveStoryReference } from './resolvers/story.reference.js';
import { resolveMessageReference } from './resolvers/message.reference.js';
import { MessageSearchResolver } from './resolvers/message-search.resolver.js';
import { MessageSubscriptionResolver } from './resolvers/message-subscription.resolver.js';
import { MessageUpdatedResolver } from './resolvers/message-updated.resolver.js';
import { MessageResolver } from './resolvers/message.resolver.js';
import { MessageStatusResolver } from './resolvers/message-status.resolver.js';
import { ReceiptResolver } from './resolvers/receipt.resolver.js';
import { StoryResolver } from './resolvers/story.resolver.js';
import { TypingResolver } from './resolvers/typing.resolver.js';
import { resolveUserReference } from './resolvers/user.reference.js';
import { UserResolver } from './resolvers/user.resolver.js';

/** The resolver classes that make up the chat subgraph. */
export const chatResolvers = [
  ConversationResolver,
  MemberResolver,
  MessageResolver,
  MessageSubscriptionResolver,
  MemberManagementResolver,
  MessageChangeResolver,
  MessageDetailsResolver,
  MessageSearchResolver,
  MessageUpdatedResolver,
  ConversationUnreadResolver,
  MessageStatusResolver,
  ReceiptResolver,
  TypingResolver,
  StoryResolver,
  UserResolver,
  ConversationAuditResolver,
] as const;

/** `__resolveReference` by type: how `_entities` turns references into chat's entities. */
export const chatReferences = {
  Conversation: { __resolveReference: resolveConversationReference },
  Message: { __resolveReference: resolveMessageReference },
  Story: { __resolveReference: resolveStoryReference },
  User: { __resolveReference: resolveUserReference },
};
