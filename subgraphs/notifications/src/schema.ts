import { buildFederatedSchema } from '@chirpchat/kit';
import type { GraphQLSchema } from 'graphql';
import { resolveConversationReference } from './resolvers/conversation.reference.js';
import { ConversationResolver } from './resolvers/conversation.resolver.js';
import { MuteResolver } from './resolvers/mute.resolver.js';
import { NotificationSettingsResolver } from './resolvers/notification-settings.resolver.js';
import { PushSubscriptionResolver } from './resolvers/push-subscription.resolver.js';
import type { MuteService } from './services/mute.service.js';
import type { NotificationSettingsService } from './services/notification-settings.service.js';
import type { PushSubscriptionService } from './services/push-subscription.service.js';
import { Conversation } from './types/conversation.type.js';

/** What the resolvers call; built once per subgraph instance. */
export interface NotificationsServices {
  subscriptions: PushSubscriptionService;
  mutes: MuteService;
  settings: NotificationSettingsService;
  vapidPublicKey: string;
}

const resolverClasses = [PushSubscriptionResolver, MuteResolver, NotificationSettingsResolver, ConversationResolver] as const;

/**
 * The subgraph schema. With `services` its resolvers are wired to them; without, it is only good
 * for printing SDL and composing (any resolver that runs would fail).
 */
export function buildSchemaFor(services?: NotificationsServices): Promise<GraphQLSchema> {
  const resolvers = services
    ? new Map<unknown, object>([
        [PushSubscriptionResolver, new PushSubscriptionResolver(services.subscriptions, services.vapidPublicKey)],
        [MuteResolver, new MuteResolver(services.mutes)],
        [NotificationSettingsResolver, new NotificationSettingsResolver(services.settings)],
        [ConversationResolver, new ConversationResolver(services.mutes)],
      ])
    : new Map<unknown, object>();
  return buildFederatedSchema(
    {
      resolvers: resolverClasses,
      // Reached only through other subgraphs' fields, so no root field of ours names it.
      orphanedTypes: [Conversation],
      container: {
        get(resolverClass: unknown) {
          const instance = resolvers.get(resolverClass);
          if (!instance) throw new Error('This notifications schema was built without services and cannot execute operations.');
          return instance;
        },
      },
    },
    { Conversation: { __resolveReference: resolveConversationReference } },
  );
}
