import { defineSubgraph, type RunningServer, type SubgraphOptions } from '@chirpchat/kit';
import { messageSentQueue, type PresenceStore } from '@chirpchat/kit/contracts';
import type { GraphQLSchema } from 'graphql';
import webpush from 'web-push';
import { notificationsMigrations } from '../migrations/index.js';
import { ConversationMute } from './entities/conversation-mute.entity.js';
import { NotificationSettings } from './entities/notification-settings.entity.js';
import { PushSubscription } from './entities/push-subscription.entity.js';
import { ChatPeer } from './peers/chat.js';
import { UsersPeer } from './peers/users.js';
import { ConversationResolver } from './resolvers/conversation.resolver.js';
import { MuteResolver } from './resolvers/mute.resolver.js';
import { NotificationSettingsResolver } from './resolvers/notification-settings.resolver.js';
import { PushSubscriptionResolver } from './resolvers/push-subscription.resolver.js';
import { notificationsOrphanedTypes, notificationsReferences, notificationsResolvers } from './schema.js';
import { DeliveryService } from './services/delivery.service.js';
import { EndpointPolicy } from './services/endpoint-policy.js';
import { FanOutService } from './services/fan-out.service.js';
import { MuteService } from './services/mute.service.js';
import { NotificationSettingsService } from './services/notification-settings.service.js';
import { onlineIn, type IsOnline } from './services/presence.js';
import { maintenanceQueue, pushQueue, type PushRetry } from './services/push-job.js';
import { PushSender, type VapidDetails } from './services/push-sender.js';
import { PushSubscriptionService } from './services/push-subscription.service.js';
import { SenderNameService } from './services/sender-names.service.js';
import { startWorkers } from './workers.js';

export { EndpointPolicy, isForbiddenAddress } from './services/endpoint-policy.js';
export type { IsOnline } from './services/presence.js';
export { topicFor, type PushPayload } from './services/push-job.js';
export { retryAfterSeconds, type VapidDetails } from './services/push-sender.js';

export interface NotificationsOptions extends SubgraphOptions {
  /** The chat subgraph's GraphQL endpoint, asked whether the viewer is in a conversation they mute. */
  chatUrl: string;
  /** The users subgraph's GraphQL endpoint, asked for the senders' display names that pushes show. */
  usersUrl: string;
  vapid: VapidDetails;
  /** Where the routers record who holds a live socket; people who do get no push. */
  presence: PresenceStore;
  /** Overrides the presence check (tests mark people online without a browser). @default read from `presence` */
  isOnline?: IsOnline;
  /** `host:port` push endpoints allowed on private addresses (PUSH_ENDPOINT_ALLOWLIST). @default [] */
  pushEndpointAllowlist?: readonly string[];
  /** PEM certificates trusted for push services besides the system's (tests; NODE_EXTRA_CA_CERTS does it per process). */
  extraCaCertificates?: readonly string[];
  /** How often idle workers poll for deferred and retried jobs; new jobs wake them at once. @default 2 */
  pollingIntervalSeconds?: number;
  /** Messages closer together than this count as one burst (one notification with a count). @default 60 */
  burstWindowSeconds?: number;
  /** Overrides the push queue's retry settings (5 retries, exponential from 10 s), for tests. */
  pushRetry?: PushRetry;
  /**
   * How long the fan-out waits for push services to answer before it moves on, leaving the rest
   * to jobs that run once those pushes have surely settled. @default 3000
   */
  directBudgetMs?: number;
  /** How long a push service may take to answer a push. @default 10000 */
  pushTimeoutMs?: number;
}

/**
 * The notifications subgraph: push subscriptions, mutes, settings, and the workers that turn
 * "message sent" events into pushes (started by `listen()`; `close()` stops them, letting running
 * jobs finish). It consumes the message-sent queue and runs its maintenance.
 */
export const notificationsSubgraph = defineSubgraph<NotificationsOptions>({
  name: 'notifications',
  entities: [PushSubscription, ConversationMute, NotificationSettings],
  migrations: notificationsMigrations,
  resolvers: notificationsResolvers,
  orphanedTypes: notificationsOrphanedTypes,
  references: notificationsReferences,
  jobs: () => ({ listen: true, queues: [messageSentQueue, pushQueue, maintenanceQueue] }),
  wire({ options, orm, jobs, logger }) {
    const policy = new EndpointPolicy({ allowlist: options.pushEndpointAllowlist, extraCaCertificates: options.extraCaCertificates });
    const pushTimeoutMs = options.pushTimeoutMs ?? 10_000;
    const sender = new PushSender({ vapid: options.vapid, policy, timeoutMs: pushTimeoutMs });
    const delivery = new DeliveryService(orm.em, jobs, sender, logger, {
      pushRetry: options.pushRetry,
      directBudgetMs: options.directBudgetMs,
      pushTimeoutMs,
    });
    const senderNames = new SenderNameService(
      new UsersPeer({ url: options.usersUrl, routerSecret: options.routerSecret, timeoutMs: 1500 }),
      logger,
    );
    const fanOut = new FanOutService(orm.em, jobs, options.isOnline ?? onlineIn(options.presence), delivery, senderNames, logger, {
      burstWindowSeconds: options.burstWindowSeconds ?? 60,
    });
    const mutes = new MuteService(new ChatPeer({ url: options.chatUrl, routerSecret: options.routerSecret }));
    return {
      provide: [
        new PushSubscriptionResolver(new PushSubscriptionService(policy), options.vapid.publicKey),
        new MuteResolver(mutes),
        new NotificationSettingsResolver(new NotificationSettingsService()),
        new ConversationResolver(mutes),
      ],
      start: () =>
        startWorkers(jobs, { fanOut, delivery, rootEm: orm.em, logger, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }),
      // The job queue stops the workers when it closes, letting running jobs finish with the policy's agents.
      release: () => policy.close(),
    };
  },
});

/** Builds the notifications subgraph (see `defineSubgraph`): the server, not yet listening. */
export function createNotifications(options: NotificationsOptions): Promise<RunningServer> {
  return notificationsSubgraph.create(options);
}

/** The subgraph schema without a database, for printing SDL / composition. */
export function buildNotificationsSchema(): Promise<GraphQLSchema> {
  return notificationsSubgraph.schema();
}

/** A fresh VAPID key pair (base64url), as `npx web-push generate-vapid-keys` prints it. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
