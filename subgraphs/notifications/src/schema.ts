import { resolveConversationReference } from './resolvers/conversation.reference.js';
import { ConversationResolver } from './resolvers/conversation.resolver.js';
import { MuteResolver } from './resolvers/mute.resolver.js';
import { NotificationSettingsResolver } from './resolvers/notification-settings.resolver.js';
import { PushSubscriptionResolver } from './resolvers/push-subscription.resolver.js';
import { Conversation } from './types/conversation.type.js';

/** The resolver classes that make up the notifications subgraph. */
export const notificationsResolvers = [PushSubscriptionResolver, MuteResolver, NotificationSettingsResolver, ConversationResolver] as const;

/** Reached only through other subgraphs' fields, so no root field of ours names it. */
export const notificationsOrphanedTypes = [Conversation] as const;

/** `__resolveReference` by type. */
export const notificationsReferences = { Conversation: { __resolveReference: resolveConversationReference } };
