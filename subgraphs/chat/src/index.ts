import { defineSubgraph, type Bus, type RunningServer, type SubgraphOptions } from '@chirpchat/kit';
import { mediaDeleteQueue, messageSentQueue } from '@chirpchat/kit/contracts';
import type { GraphQLSchema } from 'graphql';
import { chatMigrations, chatRenamedMigrations } from '../migrations/index.js';
import { Conversation } from './entities/conversation.entity.js';
import { HiddenMessage } from './entities/hidden-message.entity.js';
import { Member } from './entities/member.entity.js';
import { Message } from './entities/message.entity.js';
import { Reaction } from './entities/reaction.entity.js';
import { StoryView } from './entities/story-view.entity.js';
import { Story } from './entities/story.entity.js';
// First among the resolvers: type-graphql orders a type's fields by the order their resolvers load, which the printed schema keeps.
import { chatReferences, chatResolvers } from './schema.js';
import { MediaPeer } from './peers/media.js';
import { UsersPeer } from './peers/users.js';
import { ConversationAuditResolver } from './resolvers/conversation-audit.resolver.js';
import { ConversationUnreadResolver } from './resolvers/conversation-unread.resolver.js';
import { ConversationResolver } from './resolvers/conversation.resolver.js';
import { MemberManagementResolver } from './resolvers/member-management.resolver.js';
import { MemberResolver } from './resolvers/member.resolver.js';
import { MessageChangeResolver } from './resolvers/message-change.resolver.js';
import { MessageDetailsResolver } from './resolvers/message-details.resolver.js';
import { MessageSearchResolver } from './resolvers/message-search.resolver.js';
import { MessageStatusResolver } from './resolvers/message-status.resolver.js';
import { MessageSubscriptionResolver } from './resolvers/message-subscription.resolver.js';
import { MessageUpdatedResolver } from './resolvers/message-updated.resolver.js';
import { MessageResolver } from './resolvers/message.resolver.js';
import { ReceiptResolver } from './resolvers/receipt.resolver.js';
import { StoryResolver } from './resolvers/story.resolver.js';
import { TypingResolver } from './resolvers/typing.resolver.js';
import { UserResolver } from './resolvers/user.resolver.js';
import { ContactService } from './services/contact.service.js';
import { ConversationAuditService } from './services/conversation-audit.service.js';
import { ConversationService } from './services/conversation.service.js';
import { MediaDeletionService } from './services/media-deletion.service.js';
import { MediaDirectoryService } from './services/media-directory.service.js';
import { MemberDirectory } from './services/member-directory.service.js';
import { MemberEventsService } from './services/member-events.service.js';
import { MemberManagementService } from './services/member-management.service.js';
import { MembershipService } from './services/membership.service.js';
import { MentionService } from './services/mention.service.js';
import { MessageChangeService } from './services/message-change.service.js';
import { MessageDetailsService } from './services/message-details.service.js';
import { MessageEventsService } from './services/message-events.service.js';
import { ViewerGroupsService } from './services/viewer-groups.service.js';
import { MessageSearchService } from './services/message-search.service.js';
import { MessageSentService } from './services/message-sent.service.js';
import { MessageService } from './services/message.service.js';
import { ReactionService } from './services/reaction.service.js';
import { ReceiptService } from './services/receipt.service.js';
import { StoryCleanupService } from './services/story-cleanup.service.js';
import { StoryService } from './services/story.service.js';
import { TypingService } from './services/typing.service.js';

export interface ChatOptions extends SubgraphOptions {
  /** The users subgraph's GraphQL endpoint, asked whether member ids exist and which `@words` are usernames. */
  usersUrl: string;
  /**
   * The media subgraph's GraphQL endpoint, asked about files before a message or story points at
   * them. Without it, sending files (`mediaIds`, `postStory(mediaId)`) is refused with BAD_USER_INPUT.
   */
  mediaUrl?: string;
  /** Carries message events between instances; owned (and closed) by the caller. */
  bus: Bus;
  /** How long a `typing: true` lasts unless renewed. @default 5000 */
  typingTtlMs?: number;
  /** The time stories are created, expire and are cleaned up by; tests move it forward. @default () => new Date() */
  clock?: () => Date;
  /** How often expired stories are deleted. @default 300_000 (5 minutes) */
  storyCleanupIntervalMs?: number;
}

/**
 * The chat subgraph: conversations, members, messages, receipts, typing, stories. It enqueues
 * "message sent" (for notifications) and "media delete" (for media) in its own transactions;
 * the consumers run the queues' maintenance.
 */
export const chatSubgraph = defineSubgraph<ChatOptions>({
  name: 'chat',
  entities: [Conversation, Member, Message, Reaction, HiddenMessage, Story, StoryView],
  migrations: chatMigrations,
  renamedMigrations: chatRenamedMigrations,
  resolvers: chatResolvers,
  references: chatReferences,
  jobs: () => ({ poolSize: 2, maintenance: false, queues: [messageSentQueue, mediaDeleteQueue] }),
  wire({ options, orm, jobs, logger, rateLimits }) {
    const users = new UsersPeer({ url: options.usersUrl, routerSecret: options.routerSecret });
    const media = new MediaDirectoryService(
      new MediaPeer(options.mediaUrl ? { url: options.mediaUrl, routerSecret: options.routerSecret } : null),
    );
    const membership = new MembershipService();
    const mediaDeletion = new MediaDeletionService(jobs);
    const directory = new MemberDirectory(options.bus, orm.em, logger);
    const memberEvents = new MemberEventsService(options.bus, membership, directory, logger);
    const events = new MessageEventsService(memberEvents, orm.em, logger, new ViewerGroupsService(orm.em, directory));
    const conversations = new ConversationService(membership, users);
    const mentions = new MentionService(users);
    const messages = new MessageService(membership, events, mentions, new MessageSentService(jobs), media);
    const changes = new MessageChangeService(membership, mentions, events, mediaDeletion);
    const reactions = new ReactionService(membership, events);
    const receipts = new ReceiptService(membership, memberEvents);
    const typing = new TypingService(membership, memberEvents, options.typingTtlMs ?? 5000);
    const stories = new StoryService(options.clock ?? (() => new Date()), media, mediaDeletion);
    const cleanup = new StoryCleanupService(stories, orm.em, { intervalMs: options.storyCleanupIntervalMs ?? 300_000, logger });
    return {
      health: () => ({ bus: options.bus.health() }),
      provide: [
        membership,
        events,
        conversations,
        messages,
        receipts,
        typing,
        stories,
        new ConversationResolver(conversations, membership, messages),
        new MemberResolver(),
        new MessageResolver(messages, membership, rateLimits),
        new MessageSubscriptionResolver(),
        new MemberManagementResolver(new MemberManagementService(membership, users, directory)),
        new MessageChangeResolver(changes, reactions, rateLimits),
        new MessageDetailsResolver(new MessageDetailsService()),
        new MessageSearchResolver(new MessageSearchService(membership), rateLimits),
        new MessageUpdatedResolver(),
        new ConversationUnreadResolver(receipts),
        new MessageStatusResolver(receipts),
        new ReceiptResolver(receipts),
        new TypingResolver(typing, rateLimits),
        new StoryResolver(stories),
        new UserResolver(new ContactService()),
        new ConversationAuditResolver(new ConversationAuditService(membership)),
      ],
      start: async () => {
        await directory.start();
        cleanup.start();
      },
      stop: async () => {
        await cleanup.stop();
        await directory.stop();
      },
    };
  },
});

/** Builds the chat subgraph (see `defineSubgraph`): the server, not yet listening. */
export function createChat(options: ChatOptions): Promise<RunningServer> {
  return chatSubgraph.create(options);
}

/** The subgraph schema without a database, for printing SDL / composition. */
export function buildChatSchema(): Promise<GraphQLSchema> {
  return chatSubgraph.schema();
}
export { liveTopic, LIVE_TOPIC_SHARDS } from './services/member-events.service.js';
