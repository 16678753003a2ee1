import {
  createSubgraphServer,
  createTokenVerifier,
  JobQueue,
  mediaDeleteQueue,
  messageSentQueue,
  openDatabase,
  type Bus,
  type Logger,
  type RunningServer,
} from '@chirpchat/kit';
import type { GraphQLSchema } from 'graphql';
import { chatMigrations } from '../migrations/index.js';
import { ChatContainer } from './container.js';
import { Conversation } from './entities/conversation.entity.js';
import { HiddenMessage } from './entities/hidden-message.entity.js';
import { Member } from './entities/member.entity.js';
import { Message } from './entities/message.entity.js';
import { Reaction } from './entities/reaction.entity.js';
import { ConversationResolver } from './resolvers/conversation.resolver.js';
import { MemberManagementResolver } from './resolvers/member-management.resolver.js';
import { StoryView } from './entities/story-view.entity.js';
import { Story } from './entities/story.entity.js';
import { ConversationUnreadResolver } from './resolvers/conversation-unread.resolver.js';
import { MemberResolver } from './resolvers/member.resolver.js';
import { MessageChangeResolver } from './resolvers/message-change.resolver.js';
import { MessageDetailsResolver } from './resolvers/message-details.resolver.js';
import { MessageSearchResolver } from './resolvers/message-search.resolver.js';
import { MessageSubscriptionResolver } from './resolvers/message-subscription.resolver.js';
import { MessageUpdatedResolver } from './resolvers/message-updated.resolver.js';
import { MessageResolver } from './resolvers/message.resolver.js';
import { MessageStatusResolver } from './resolvers/message-status.resolver.js';
import { ReceiptResolver } from './resolvers/receipt.resolver.js';
import { StoryResolver } from './resolvers/story.resolver.js';
import { TypingResolver } from './resolvers/typing.resolver.js';
import { UserResolver } from './resolvers/user.resolver.js';
import { buildSchemaWith } from './schema.js';
import { ContactService } from './services/contact.service.js';
import { ConversationService } from './services/conversation.service.js';
import { MemberManagementService } from './services/member-management.service.js';
import { MemberEventsService } from './services/member-events.service.js';
import { MediaDeletionService } from './services/media-deletion.service.js';
import { MediaDirectoryService } from './services/media-directory.service.js';
import { MembershipService } from './services/membership.service.js';
import { MentionService } from './services/mention.service.js';
import { MessageChangeService } from './services/message-change.service.js';
import { MessageDetailsService } from './services/message-details.service.js';
import { MessageEventsService } from './services/message-events.service.js';
import { MessageSearchService } from './services/message-search.service.js';
import { MessageSentService } from './services/message-sent.service.js';
import { MessageService } from './services/message.service.js';
import { ReactionService } from './services/reaction.service.js';
import { ReceiptService } from './services/receipt.service.js';
import { StoryCleanupService } from './services/story-cleanup.service.js';
import { StoryService } from './services/story.service.js';
import { TypingService } from './services/typing.service.js';
import { UserDirectoryService } from './services/user-directory.service.js';

export interface ChatOptions {
  /** PostgreSQL; the subgraph keeps its tables in the `chat` schema. */
  databaseUrl: string;
  /** Shared with the router: the subgraph answers nobody else, and sends it to the users subgraph. */
  routerSecret: string;
  /** Verifies the users' access tokens. */
  jwtPublicKey: string;
  /** The users subgraph's GraphQL endpoint, asked whether member ids exist. */
  usersUrl: string;
  /**
   * The media subgraph's GraphQL endpoint, asked about files before a message or story points at
   * them. Without it, sending files (`mediaIds`, `postStory(mediaId)`) is refused with BAD_USER_INPUT.
   */
  mediaUrl?: string;
  /** Carries message events between instances; owned (and closed) by the caller. */
  bus: Bus;
  logger: Logger;
  /** Hides internal error details and turns introspection off. */
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** How long a `typing: true` lasts unless renewed. @default 5000 */
  typingTtlMs?: number;
  /** The time stories are created, expire and are cleaned up by; tests move it forward. @default () => new Date() */
  clock?: () => Date;
  /** How often expired stories are deleted. @default 300_000 (5 minutes) */
  storyCleanupIntervalMs?: number;
}

/**
 * Builds the chat subgraph (opens DB, runs migrations, starts the job queue it enqueues "message
 * sent" and "media delete" events on); returns kit's RunningServer; close() closes the ORM and the job queue (not the
 * bus: the caller owns it).
 */
export async function createChat(options: ChatOptions): Promise<RunningServer> {
  const logger = options.logger.child({ subgraph: 'chat' });
  const orm = await openDatabase({
    url: options.databaseUrl,
    schema: 'chat',
    entities: [Conversation, Member, Message, Reaction, HiddenMessage, Story, StoryView],
    migrations: chatMigrations,
    logger,
  });
  // Chat only enqueues: the consumers (notifications) run the queue's maintenance.
  const jobs = await JobQueue.start({
    databaseUrl: options.databaseUrl,
    logger,
    poolSize: 2,
    maintenance: false,
    queues: [messageSentQueue, mediaDeleteQueue],
  }).catch(async (error: unknown) => {
    await orm.close();
    throw error;
  });
  try {
    const membership = new MembershipService();
    const directory = new UserDirectoryService({ usersUrl: options.usersUrl, routerSecret: options.routerSecret });
    const media = new MediaDirectoryService({ mediaUrl: options.mediaUrl, routerSecret: options.routerSecret });
    const mediaDeletion = new MediaDeletionService(jobs);
    const memberEvents = new MemberEventsService(options.bus, orm.em, membership, logger);
    const events = new MessageEventsService(memberEvents, orm.em, logger);
    const conversations = new ConversationService(membership, directory);
    const mentions = new MentionService(directory);
    const messages = new MessageService(membership, events, mentions, new MessageSentService(jobs, membership), directory, media);
    const memberManagement = new MemberManagementService(membership, directory);
    const changes = new MessageChangeService(membership, mentions, events, mediaDeletion);
    const reactions = new ReactionService(membership, events);
    const details = new MessageDetailsService();
    const search = new MessageSearchService(membership);
    const receipts = new ReceiptService(membership, memberEvents);
    const typing = new TypingService(membership, memberEvents, options.typingTtlMs ?? 5000);
    const stories = new StoryService(options.clock ?? (() => new Date()), media, mediaDeletion);
    const cleanup = new StoryCleanupService(stories, orm.em, { intervalMs: options.storyCleanupIntervalMs ?? 300_000, logger });
    const container = new ChatContainer()
      .register(MembershipService, membership)
      .register(MessageEventsService, events)
      .register(ConversationService, conversations)
      .register(MessageService, messages)
      .register(ConversationResolver, new ConversationResolver(conversations, membership, messages))
      .register(MemberResolver, new MemberResolver())
      .register(MessageResolver, new MessageResolver(messages, membership))
      .register(MessageSubscriptionResolver, new MessageSubscriptionResolver())
      .register(MemberManagementResolver, new MemberManagementResolver(memberManagement))
      .register(MessageChangeResolver, new MessageChangeResolver(changes, reactions))
      .register(MessageDetailsResolver, new MessageDetailsResolver(details))
      .register(MessageSearchResolver, new MessageSearchResolver(search))
      .register(MessageUpdatedResolver, new MessageUpdatedResolver())
      .register(ReceiptService, receipts)
      .register(TypingService, typing)
      .register(ConversationUnreadResolver, new ConversationUnreadResolver(receipts))
      .register(MessageStatusResolver, new MessageStatusResolver(receipts))
      .register(ReceiptResolver, new ReceiptResolver(receipts))
      .register(TypingResolver, new TypingResolver(typing))
      .register(StoryService, stories)
      .register(StoryResolver, new StoryResolver(stories))
      .register(UserResolver, new UserResolver(new ContactService()));
    const server = createSubgraphServer({
      name: 'chat',
      schema: await buildSchemaWith(container),
      orm,
      routerSecret: options.routerSecret,
      verifyToken: await createTokenVerifier(options.jwtPublicKey),
      logger,
      production: options.production,
      host: options.host,
      port: options.port,
      onClose: async () => {
        await cleanup.stop();
        await jobs.stop();
        await orm.close();
      },
    });
    cleanup.start();
    return server;
  } catch (error) {
    await jobs.stop();
    await orm.close();
    throw error;
  }
}

/** The subgraph schema without a database, for printing SDL / composition. */
export async function buildChatSchema(): Promise<GraphQLSchema> {
  return buildSchemaWith(new ChatContainer());
}
