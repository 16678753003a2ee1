import {
  createSubgraphServer,
  createTokenVerifier,
  JobQueue,
  messageSentQueue,
  openDatabase,
  type Logger,
  type RunningServer,
  type PresenceStore,
} from '@chirpchat/kit';
import type { GraphQLSchema } from 'graphql';
import webpush from 'web-push';
import { notificationsMigrations } from '../migrations/index.js';
import { ConversationMute } from './entities/conversation-mute.entity.js';
import { NotificationSettings } from './entities/notification-settings.entity.js';
import { PushSubscription } from './entities/push-subscription.entity.js';
import { buildSchemaFor } from './schema.js';
import { ConversationAccessService } from './services/conversation-access.service.js';
import { DeliveryService } from './services/delivery.service.js';
import { EndpointPolicy } from './services/endpoint-policy.js';
import { FanOutService } from './services/fan-out.service.js';
import { MuteService } from './services/mute.service.js';
import { NotificationSettingsService } from './services/notification-settings.service.js';
import { onlineIn, type IsOnline } from './services/presence.js';
import { maintenanceQueue, pushQueue, type PushRetry } from './services/push-job.js';
import { PushSender, type VapidDetails } from './services/push-sender.js';
import { PushSubscriptionService } from './services/push-subscription.service.js';
import { startWorkers } from './workers.js';

export { EndpointPolicy, isForbiddenAddress } from './services/endpoint-policy.js';
export type { IsOnline } from './services/presence.js';
export { topicFor, type PushPayload } from './services/push-job.js';
export { retryAfterSeconds, type VapidDetails } from './services/push-sender.js';

export interface NotificationsOptions {
  /** PostgreSQL; the subgraph keeps its tables in the `notifications` schema, its jobs in `pgboss`. */
  databaseUrl: string;
  /** Shared with the router: the subgraph answers nobody else, and sends it to the chat subgraph. */
  routerSecret: string;
  /** Verifies the users' access tokens. */
  jwtPublicKey: string;
  /** The chat subgraph's GraphQL endpoint, asked whether the viewer is in a conversation they mute. */
  chatUrl: string;
  vapid: VapidDetails;
  /** Where the routers record who holds a live socket; people who do get no push. */
  presence: PresenceStore;
  /** Overrides the presence check (tests mark people online without a browser). @default read from `presence` */
  isOnline?: IsOnline;
  /** `host:port` push endpoints allowed on private addresses (PUSH_ENDPOINT_ALLOWLIST). @default [] */
  pushEndpointAllowlist?: readonly string[];
  /** PEM certificates trusted for push services besides the system's (tests; NODE_EXTRA_CA_CERTS does it per process). */
  extraCaCertificates?: readonly string[];
  logger: Logger;
  /** Hides internal error details and turns introspection off. */
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
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
 * Builds the notifications subgraph: opens the database and applies its migrations, starts the
 * job queue, and returns the server. `listen()` also starts the workers that turn "message sent"
 * events into pushes; `close()` stops them (letting running jobs finish), then closes the rest.
 */
export async function createNotifications(options: NotificationsOptions): Promise<RunningServer> {
  const logger = options.logger.child({ subgraph: 'notifications' });
  const orm = await openDatabase({
    url: options.databaseUrl,
    schema: 'notifications',
    entities: [PushSubscription, ConversationMute, NotificationSettings],
    migrations: notificationsMigrations,
    logger,
  });
  const jobs = await JobQueue.start({
    databaseUrl: options.databaseUrl,
    logger,
    listen: true,
    queues: [messageSentQueue, pushQueue, maintenanceQueue],
  }).catch(async (error: unknown) => {
    await orm.close();
    throw error;
  });
  const policy = new EndpointPolicy({ allowlist: options.pushEndpointAllowlist, extraCaCertificates: options.extraCaCertificates });
  const release = async () => {
    await jobs.stop();
    policy.close();
    await orm.close();
  };
  try {
    const isOnline = options.isOnline ?? onlineIn(options.presence);
    const pushTimeoutMs = options.pushTimeoutMs ?? 10_000;
    const sender = new PushSender({ vapid: options.vapid, policy, timeoutMs: pushTimeoutMs });
    const delivery = new DeliveryService(orm.em, jobs, sender, logger, {
      pushRetry: options.pushRetry,
      directBudgetMs: options.directBudgetMs,
      pushTimeoutMs,
    });
    const fanOut = new FanOutService(orm.em, jobs, isOnline, delivery, logger, { burstWindowSeconds: options.burstWindowSeconds ?? 60 });
    const conversations = new ConversationAccessService({ chatUrl: options.chatUrl, routerSecret: options.routerSecret });
    const server = createSubgraphServer({
      name: 'notifications',
      schema: await buildSchemaFor({
        subscriptions: new PushSubscriptionService(policy),
        mutes: new MuteService(conversations),
        settings: new NotificationSettingsService(),
        vapidPublicKey: options.vapid.publicKey,
      }),
      orm,
      routerSecret: options.routerSecret,
      verifyToken: await createTokenVerifier(options.jwtPublicKey),
      logger,
      production: options.production,
      host: options.host,
      port: options.port,
      onClose: release,
    });
    return {
      httpServer: server.httpServer,
      async listen() {
        const url = await server.listen();
        await startWorkers(jobs, { fanOut, delivery, rootEm: orm.em, logger, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 });
        return url;
      },
      close: () => server.close(),
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** The subgraph schema without a database, for printing SDL / composition. */
export function buildNotificationsSchema(): Promise<GraphQLSchema> {
  return buildSchemaFor();
}

/** A fresh VAPID key pair (base64url), as `npx web-push generate-vapid-keys` prints it. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
