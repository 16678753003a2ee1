import http from 'node:http';
import cloudinary from 'cloudinary';
import { resourceTypeOf, type MediaKindName } from '../kinds.js';
import { EAGER_VARIANTS, type VariantName } from '../variants.js';
import { parseCloudinaryUrl, type CloudinaryCredentials } from './cloudinary-url.js';
import { verifyNotificationSignature } from './signing.js';
import type { DirectUpload, MediaStore, StoredMedia, TicketRequest } from './store.js';

export { parseCloudinaryUrl, CloudinaryUrlError, type CloudinaryCredentials } from './cloudinary-url.js';

const sdk = cloudinary.v2;

/** What the SDK really accepts, where its typings are narrower (algorithm and version are real parameters). */
type SignRequest = (params: Record<string, unknown>, apiSecret: string, algorithm: SignatureAlgorithm, signatureVersion: number) => string;
const apiSignRequest = sdk.utils.api_sign_request as unknown as SignRequest;

/** Hash used for API and notification signatures. Cloudinary's default is sha1; accounts can be switched to sha256. */
export type SignatureAlgorithm = 'sha1' | 'sha256';

export interface CloudinaryStoreOptions {
  /** `cloudinary://<key>:<secret>@<cloud>[?upload_prefix=…&secure=…&cname=…]`; read with {@link parseCloudinaryUrl}. */
  cloudinaryUrl: string;
  /** The account's hex key for token-based (expiring) delivery of `authenticated` assets (Console → Settings → Security). */
  authTokenKey: string;
  /** Our public webhook URL (`…/webhooks/cloudinary/media-processed`); Cloudinary posts upload and eager notifications there. */
  notificationUrl: string;
  /** The folder every public id is put under. @default 'chirpchat' */
  folder?: string;
  /**
   * The hash the account signs with. Must match the account's setting: Cloudinary signs notifications with it and
   * refuses upload signatures in another one when the account is restricted. @default 'sha1' (Cloudinary's default)
   */
  signatureAlgorithm?: SignatureAlgorithm;
  /** The clock, in epoch milliseconds; tests move it. @default Date.now */
  now?: () => number;
}

/** How long Cloudinary accepts an upload signature: it refuses timestamps more than an hour old ("Stale request"). */
const SIGNATURE_LIFETIME_SECONDS = 3600;

/** Formats Cloudinary may accept per kind; it refuses others before storing anything. Raw files have no format check. */
const ALLOWED_FORMATS: Readonly<Record<MediaKindName, readonly string[] | null>> = {
  IMAGE: ['jpg', 'png', 'webp', 'gif', 'avif'],
  VIDEO: ['mp4', 'mov', 'webm'],
  AUDIO: ['mp3', 'm4a', 'aac', 'ogg', 'opus', 'webm', 'wav', 'flac'],
  DOCUMENT: null,
};

/** Variants whose players fetch further files (playlists, segments): their token must cover a path pattern, not one URL. */
const STREAMING_VARIANTS: ReadonlySet<VariantName> = new Set(['hls', 'dash']);

/**
 * Media in Cloudinary: signed direct uploads of `authenticated` assets with eager transformations reported to our
 * webhook, token-authenticated expiring delivery URLs, and Admin API deletion. Credentials go with every call (never the
 * SDK's global config), so the SDK's load-time choices do not leak between accounts.
 */
export function createCloudinaryStore(options: CloudinaryStoreOptions): MediaStore {
  const credentials = parseCloudinaryUrl(options.cloudinaryUrl);
  const folder = options.folder ?? 'chirpchat';
  const algorithm = options.signatureAlgorithm ?? 'sha1';
  const now = options.now ?? Date.now;
  if (!/^(?:[0-9a-f]{2})+$/i.test(options.authTokenKey)) throw new Error('The Cloudinary auth token key must be a hex string');
  const api = apiOptions(credentials);

  return {
    name: 'cloudinary',

    // Cloudinary puts the folder in front of the public id the upload names.
    publicIdFor: (id) => `${folder}/${id}`,

    createUpload(request: TicketRequest): DirectUpload {
      const resourceType = resourceTypeOf(request.kind);
      const timestamp = Math.floor(now() / 1000);
      const eager = Object.values(EAGER_VARIANTS[request.kind]).join('|');
      const allowed = ALLOWED_FORMATS[request.kind];
      const params: Record<string, string> = {
        timestamp: String(timestamp),
        public_id: request.id,
        folder,
        type: 'authenticated',
        notification_url: options.notificationUrl,
        ...(eager ? { eager, eager_async: 'true', eager_notification_url: options.notificationUrl } : {}),
        ...(allowed ? { allowed_formats: allowed.join(',') } : {}),
      };
      const signature = apiSignRequest(params, credentials.apiSecret, algorithm, 2);
      return {
        uploadUrl: sdk.utils.api_url('upload', { ...api, resource_type: resourceType }),
        fields: { ...params, signature, api_key: credentials.apiKey },
        expiresAt: new Date((timestamp + SIGNATURE_LIFETIME_SECONDS) * 1000),
      };
    },

    signedUrl(media: StoredMedia, variant: VariantName | null, expiresAt: Date): string | null {
      const resourceType = resourceTypeOf(media.kind);
      let transformation: string | undefined;
      let format = resourceType === 'raw' ? undefined : (media.format ?? undefined);
      if (variant) {
        const stored = media.variants[variant];
        if (!stored) return null;
        const suffix = `/${stored.format}`;
        transformation = stored.transformation.endsWith(suffix) ? stored.transformation.slice(0, -suffix.length) : stored.transformation;
        format = stored.format;
      }
      const authToken: Record<string, unknown> = { key: options.authTokenKey, expiration: Math.floor(expiresAt.getTime() / 1000) };
      if (variant && STREAMING_VARIANTS.has(variant)) {
        authToken.acl = `${deliveryPathPrefix(credentials)}/${resourceType}/authenticated/*${media.publicId}*`;
      }
      return sdk.url(media.publicId, {
        ...deliveryOptions(credentials),
        resource_type: resourceType,
        type: 'authenticated',
        ...(transformation ? { raw_transformation: transformation } : {}),
        ...(format ? { format } : {}),
        sign_url: true,
        auth_token: authToken,
        urlAnalytics: false,
      });
    },

    async delete(media: StoredMedia): Promise<void> {
      const resourceType = resourceTypeOf(media.kind);
      let nextCursor: string | undefined;
      do {
        let result: { deleted?: Record<string, string>; partial?: boolean; next_cursor?: string };
        try {
          result = await sdk.api.delete_resources([media.publicId], {
            ...api,
            resource_type: resourceType,
            type: 'authenticated',
            invalidate: true,
            ...(nextCursor ? { next_cursor: nextCursor } : {}),
          });
        } catch (error) {
          throw sdkError(`Cloudinary could not delete ${media.publicId}`, error);
        }
        const outcome = result.deleted?.[media.publicId];
        if (outcome !== 'deleted' && outcome !== 'not_found') {
          throw new Error(`Cloudinary did not delete ${media.publicId}: ${JSON.stringify(result)}`);
        }
        nextCursor = result.partial ? result.next_cursor : undefined;
      } while (nextCursor);
    },

    verifyNotification(rawBody: string, timestamp: string | undefined, signature: string | undefined, windowSeconds: number): boolean {
      return verifyNotificationSignature(rawBody, timestamp, signature, credentials.apiSecret, algorithm, windowSeconds, now());
    },
  };
}

/**
 * Per-call SDK options for the Upload and Admin APIs. The SDK picks `http` or `https` once, when it loads, from the
 * global `CLOUDINARY_URL`; an explicit agent of the prefix's own protocol makes an `upload_prefix` work whatever it chose.
 */
function apiOptions(credentials: CloudinaryCredentials): Record<string, unknown> {
  const options: Record<string, unknown> = {
    cloud_name: credentials.cloudName,
    api_key: credentials.apiKey,
    api_secret: credentials.apiSecret,
  };
  if (credentials.uploadPrefix) {
    options.upload_prefix = credentials.uploadPrefix;
    if (credentials.uploadPrefix.startsWith('http:')) options.agent = new http.Agent({ keepAlive: false });
  }
  return options;
}

function deliveryOptions(credentials: CloudinaryCredentials): Record<string, unknown> {
  return {
    cloud_name: credentials.cloudName,
    secure: credentials.secure,
    private_cdn: credentials.privateCdn,
    ...(credentials.secureDistribution ? { secure_distribution: credentials.secureDistribution } : {}),
    ...(credentials.cname ? { cname: credentials.cname } : {}),
  };
}

/** Shared-domain delivery paths start with the cloud name (`/<cloud>/video/…`); private CDN paths do not. */
function deliveryPathPrefix(credentials: CloudinaryCredentials): string {
  return credentials.privateCdn ? '' : `/${credentials.cloudName}`;
}

/** The SDK rejects with plain objects (`{ error: { message, http_code } }`); callers and logs want an Error. */
function sdkError(context: string, error: unknown): Error {
  const detail = (error as { error?: { message?: string; http_code?: number } } | undefined)?.error;
  if (detail) {
    const failure = new Error(`${context}: ${detail.message ?? 'unknown error'} (HTTP ${detail.http_code ?? '?'})`);
    (failure as Error & { httpCode?: number }).httpCode = detail.http_code;
    return failure;
  }
  return new Error(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
