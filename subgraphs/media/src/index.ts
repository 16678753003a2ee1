import path from 'node:path';
import { defineSubgraph, type Bus, type RunningServer, type SubgraphOptions } from '@chirpchat/kit';
import { mediaDeleteQueue } from '@chirpchat/kit/contracts';
import type { GraphQLSchema } from 'graphql';
import { mediaMigrations } from '../migrations/index.js';
import { Media } from './entities/media.entity.js';
import { mediaRoutes, WEBHOOK_PATH } from './http/routes.js';
import { ChatPeer } from './peers/chat.js';
import { processMedia } from './processing/index.js';
import { AttachmentsResolver, AvatarResolver, StoryMediaResolver } from './resolvers/attachments.resolver.js';
import { MediaLimitsResolver } from './resolvers/media-limits.resolver.js';
import { MediaProcessedResolver } from './resolvers/media-processed.resolver.js';
import { MediaResolver } from './resolvers/media.resolver.js';
import { UploadResolver } from './resolvers/upload.resolver.js';
import { mediaOrphanedTypes, mediaReferences, mediaResolvers } from './schema.js';
import { MediaAccessService } from './services/access.service.js';
import { DeletionService } from './services/deletion.service.js';
import { LocalProcessingService } from './services/local-processing.service.js';
import { LocalUploadService } from './services/local-upload.service.js';
import { MediaEventsService } from './services/media-events.service.js';
import { MediaLookupService } from './services/media-lookup.service.js';
import { MediaUrlService, toStored } from './services/media-urls.service.js';
import { mediaDeleteFileQueue, mediaMaintenanceQueue, mediaProcessQueue, type DeleteRetry } from './services/queues.js';
import { StorageWebhookService } from './services/storage-webhook.service.js';
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

export interface MediaOptions extends SubgraphOptions {
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
  /** How often idle workers poll for deferred and retried jobs. @default 2 */
  pollingIntervalSeconds?: number;
  /** Files processed at once by this instance. @default 1 */
  processingConcurrency?: number;
  /** Retry settings of file deletions (tests shorten them). */
  deleteRetry?: DeleteRetry;
}

/**
 * The media subgraph: upload tickets, the local store's upload and file endpoints, the storage
 * webhook, and the processing and deletion workers (started by `listen()`). It consumes the
 * media-delete queue and runs its maintenance.
 */
export const mediaSubgraph = defineSubgraph<MediaOptions>({
  name: 'media',
  entities: [Media],
  migrations: mediaMigrations,
  resolvers: mediaResolvers,
  orphanedTypes: mediaOrphanedTypes,
  references: mediaReferences,
  jobs: (options) => ({
    listen: true,
    queues: [mediaProcessQueue, mediaDeleteQueue, mediaDeleteFileQueue(options.deleteRetry), mediaMaintenanceQueue],
  }),
  wire({ options, orm, jobs, logger, rateLimits }) {
    const fileQueue = mediaDeleteFileQueue(options.deleteRetry);
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
    const access = new MediaAccessService(new ChatPeer({ url: options.chatUrl, routerSecret: options.routerSecret }));
    const events = new MediaEventsService(options.bus, access);
    const lookup = new MediaLookupService(access, new MediaUrlService(store, access, options.urlTtlSeconds ?? 600, options.now));
    const webhook = new StorageWebhookService(orm.em, store, events, logger, {
      windowSeconds: options.notificationWindowSeconds,
      onRejected: (media) =>
        stores(media.store)
          .delete(toStored(media))
          .catch((error: unknown) => logger.warn({ err: error, mediaId: media.id }, 'could not remove the files of a failed upload')),
    });
    const localWebhook = cloudinary
      ? new StorageWebhookService(orm.em, local, events, logger, { windowSeconds: options.notificationWindowSeconds })
      : webhook;
    const processing = new LocalProcessingService(orm.em, local, localWebhook, processMedia, logger);
    const deletion = new DeletionService(orm.em, jobs, fileQueue, stores, logger);
    const uploads = new LocalUploadService(orm.em, local, jobs, logger);
    return {
      health: () => ({ bus: options.bus.health() }),
      provide: [
        lookup,
        events,
        new UploadResolver(new UploadService(store, access), rateLimits),
        new MediaResolver(lookup),
        new MediaProcessedResolver(),
        new AttachmentsResolver(lookup),
        new StoryMediaResolver(lookup),
        new AvatarResolver(lookup),
        new MediaLimitsResolver(),
      ],
      routes: mediaRoutes({ webhook, local: { store: local, uploads, rootEm: orm.em }, logger }),
      start: () =>
        startWorkers(jobs, {
          processing,
          deletion,
          fileQueue,
          local,
          rootEm: orm.em,
          logger,
          pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
          processingConcurrency: options.processingConcurrency ?? 1,
        }),
    };
  },
});

/** Builds the media subgraph (see `defineSubgraph`): the server, not yet listening. */
export function createMedia(options: MediaOptions): Promise<RunningServer> {
  return mediaSubgraph.create(options);
}

/** The subgraph schema without a database, for printing SDL / composition. */
export function buildMediaSchema(): Promise<GraphQLSchema> {
  return mediaSubgraph.schema();
}
