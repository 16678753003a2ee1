import path from 'node:path';
import {
  createSubgraphServer,
  createTokenVerifier,
  JobQueue,
  mediaDeleteQueue,
  openDatabase,
  type Bus,
  type Logger,
  type RunningServer,
} from '@chirpchat/kit';
import type { GraphQLSchema } from 'graphql';
import { mediaMigrations } from '../migrations/index.js';
import { Media } from './entities/media.entity.js';
import { mediaRoutes, WEBHOOK_PATH } from './http/routes.js';
import { processMedia } from './processing/index.js';
import { buildSchemaFor } from './schema.js';
import { MediaAccessService } from './services/access.service.js';
import { DeletionService } from './services/deletion.service.js';
import { LocalProcessingService } from './services/local-processing.service.js';
import { LocalUploadService } from './services/local-upload.service.js';
import { MediaEventsService } from './services/media-events.service.js';
import { MediaLookupService } from './services/media-lookup.service.js';
import { MediaUrlService, toStored } from './services/media-urls.service.js';
import { NotificationService } from './services/notification.service.js';
import { mediaDeleteFileQueue, mediaMaintenanceQueue, mediaProcessQueue, type DeleteRetry } from './services/queues.js';
import { UploadService } from './services/upload.service.js';
import { createCloudinaryStore } from './stores/cloudinary.store.js';
import { LocalStore } from './stores/local.store.js';
import type { MediaStore } from './stores/store.js';
import { startWorkers } from './workers.js';

export { WEBHOOK_PATH } from './http/routes.js';
export { cloudinaryOptions } from './cloudinary-config.js';
export { cloudinaryOrigins } from './stores/cloudinary-url.js';
export { EAGER_VARIANTS, type VariantName } from './variants.js';
export { KIND_RULES, MAX_IMAGE_PIXELS } from './kinds.js';
export { notificationSignature } from './stores/signing.js';
export type { DeleteRetry } from './services/queues.js';

export interface CloudinaryOptions {
  /** `cloudinary://<api_key>:<api_secret>@<cloud_name>` (CLOUDINARY_URL). */
  url: string;
  /** Key for Cloudinary's token-based authentication, so delivery URLs expire (CLOUDINARY_AUTH_TOKEN_KEY). */
  authTokenKey: string;
  /** Where Cloudinary reaches the router from the internet (PUBLIC_URL): notifications go to its webhook path. */
  publicUrl: string;
}

export interface MediaOptions {
  /** PostgreSQL; the subgraph keeps its tables in the `media` schema, its jobs in `pgboss`. */
  databaseUrl: string;
  routerSecret: string;
  jwtPublicKey: string;
  /** The chat subgraph's GraphQL endpoint, asked who is in which conversation. */
  chatUrl: string;
  /** Carries `mediaProcessed` to every instance. */
  bus: Bus;
  /** The local store keeps files under `<dataDir>/media`. */
  dataDir: string;
  /** Signs the local store's upload and file URLs and its processing notifications (MEDIA_SECRET). */
  localSecret: string;
  /** Cloudinary for new uploads; without it, the local store. */
  cloudinary?: CloudinaryOptions;
  /** How long a signed media URL works. @default 600 */
  urlTtlSeconds?: number;
  /** The clock, in epoch milliseconds, that URLs and upload tickets are signed and checked by; tests move it. @default Date.now */
  now?: () => number;
  /** How far a store notification's timestamp may be from now. @default 300 */
  notificationWindowSeconds?: number;
  logger: Logger;
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** How often idle workers poll for deferred and retried jobs. @default 2 */
  pollingIntervalSeconds?: number;
  /** Files processed at once by this instance. @default 1 */
  processingConcurrency?: number;
  /** Retry settings of file deletions (tests shorten them). */
  deleteRetry?: DeleteRetry;
}

/**
 * Builds the media subgraph: upload tickets, the local store's upload and file endpoints, the
 * store webhook, processing and deletion workers. `listen()` starts the workers too.
 */
export async function createMedia(options: MediaOptions): Promise<RunningServer> {
  const logger = options.logger.child({ subgraph: 'media' });
  const orm = await openDatabase({ url: options.databaseUrl, schema: 'media', entities: [Media], migrations: mediaMigrations, logger });
  const fileQueue = mediaDeleteFileQueue(options.deleteRetry);
  const jobs = await JobQueue.start({
    databaseUrl: options.databaseUrl,
    logger,
    listen: true,
    queues: [mediaProcessQueue, mediaDeleteQueue, fileQueue, mediaMaintenanceQueue],
  }).catch(async (error: unknown) => {
    await orm.close();
    throw error;
  });
  const release = async () => {
    await jobs.stop();
    await orm.close();
  };
  try {
    const local = new LocalStore({ root: path.join(options.dataDir, 'media'), secret: options.localSecret, now: options.now });
    const cloudinary = options.cloudinary
      ? createCloudinaryStore({
          cloudinaryUrl: options.cloudinary.url,
          authTokenKey: options.cloudinary.authTokenKey,
          notificationUrl: new URL(WEBHOOK_PATH, options.cloudinary.publicUrl).toString(),
          now: options.now,
        })
      : null;
    const store: MediaStore = cloudinary ?? local;
    const stores = (name: string): MediaStore => (name === 'cloudinary' && cloudinary ? cloudinary : local);
    const access = new MediaAccessService({ chatUrl: options.chatUrl, routerSecret: options.routerSecret });
    const urls = new MediaUrlService(store, access, options.urlTtlSeconds ?? 600, options.now);
    const events = new MediaEventsService(options.bus, access);
    const notifications = new NotificationService(orm.em, store, events, logger, {
      windowSeconds: options.notificationWindowSeconds,
      onRejected: (media) =>
        stores(media.store)
          .delete(toStored(media))
          .catch((error: unknown) => logger.warn({ err: error, mediaId: media.id }, 'could not remove the files of a failed upload')),
    });
    const localNotifications = cloudinary
      ? new NotificationService(orm.em, local, events, logger, { windowSeconds: options.notificationWindowSeconds })
      : notifications;
    const processing = new LocalProcessingService(orm.em, local, localNotifications, processMedia, logger);
    const deletion = new DeletionService(orm.em, jobs, fileQueue, stores, logger);
    const uploads = new LocalUploadService(orm.em, local, jobs, logger);
    const server = createSubgraphServer({
      name: 'media',
      schema: await buildSchemaFor({
        uploads: new UploadService(store, access),
        lookup: new MediaLookupService(access, urls),
        events,
      }),
      orm,
      routerSecret: options.routerSecret,
      verifyToken: await createTokenVerifier(options.jwtPublicKey),
      logger,
      production: options.production,
      host: options.host,
      port: options.port,
      onClose: release,
      routes: mediaRoutes({ notifications, local: { store: local, uploads, rootEm: orm.em }, logger }),
    });
    return {
      httpServer: server.httpServer,
      async listen() {
        const url = await server.listen();
        await startWorkers(jobs, {
          processing,
          deletion,
          fileQueue,
          local,
          rootEm: orm.em,
          logger,
          pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
          processingConcurrency: options.processingConcurrency ?? 1,
        });
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
export function buildMediaSchema(): Promise<GraphQLSchema> {
  return buildSchemaFor();
}
