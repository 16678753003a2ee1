import {
  createSubgraphServer,
  createTokenVerifier,
  JobQueue,
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
import { Member } from './entities/member.entity.js';
import { Message } from './entities/message.entity.js';
import { ConversationResolver } from './resolvers/conversation.resolver.js';
import { MemberResolver } from './resolvers/member.resolver.js';
import { MessageSubscriptionResolver } from './resolvers/message-subscription.resolver.js';
import { MessageResolver } from './resolvers/message.resolver.js';
import { buildSchemaWith } from './schema.js';
import { ConversationService } from './services/conversation.service.js';
import { MembershipService } from './services/membership.service.js';
import { MessageEventsService } from './services/message-events.service.js';
import { MessageSentService } from './services/message-sent.service.js';
import { MessageService } from './services/message.service.js';
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
  /** Carries message events between instances; owned (and closed) by the caller. */
  bus: Bus;
  logger: Logger;
  /** Hides internal error details and turns introspection off. */
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
}

/**
 * Builds the chat subgraph (opens DB, runs migrations, starts the job queue it enqueues "message
 * sent" events on); returns kit's RunningServer; close() closes the ORM and the job queue (not the
 * bus: the caller owns it).
 */
export async function createChat(options: ChatOptions): Promise<RunningServer> {
  const logger = options.logger.child({ subgraph: 'chat' });
  const orm = await openDatabase({
    url: options.databaseUrl,
    schema: 'chat',
    entities: [Conversation, Member, Message],
    migrations: chatMigrations,
    logger,
  });
  // Chat only enqueues: the consumers (notifications) run the queue's maintenance.
  const jobs = await JobQueue.start({
    databaseUrl: options.databaseUrl,
    logger,
    poolSize: 2,
    maintenance: false,
    queues: [messageSentQueue],
  }).catch(async (error: unknown) => {
    await orm.close();
    throw error;
  });
  try {
    const membership = new MembershipService();
    const directory = new UserDirectoryService({ usersUrl: options.usersUrl, routerSecret: options.routerSecret });
    const events = new MessageEventsService(options.bus, orm.em, membership, logger);
    const conversations = new ConversationService(membership, directory);
    const messages = new MessageService(membership, events, new MessageSentService(jobs, membership), directory);
    const container = new ChatContainer()
      .register(MembershipService, membership)
      .register(MessageEventsService, events)
      .register(ConversationService, conversations)
      .register(MessageService, messages)
      .register(ConversationResolver, new ConversationResolver(conversations, membership, messages))
      .register(MemberResolver, new MemberResolver())
      .register(MessageResolver, new MessageResolver(messages, membership))
      .register(MessageSubscriptionResolver, new MessageSubscriptionResolver());
    return createSubgraphServer({
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
        await jobs.stop();
        await orm.close();
      },
    });
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
