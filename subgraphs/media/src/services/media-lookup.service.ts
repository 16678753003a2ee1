import { BatchLoader, type RequestContext } from '@chirpchat/kit';
import { Media } from '../entities/media.entity.js';
import type { MediaAccessService } from './access.service.js';
import type { MediaUrlService, SignedMediaUrls } from './media-urls.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface PerRequest {
  media: BatchLoader<string, Media>;
  urls: Map<string, Promise<SignedMediaUrls | null>>;
}

/**
 * Loads media for one request: every id asked for in the same tick in one query (a page of
 * messages with attachments is one query), and each file's URLs signed once however many of its
 * fields the query selects.
 */
export class MediaLookupService {
  private readonly requests = new WeakMap<RequestContext, PerRequest>();

  constructor(
    private readonly access: MediaAccessService,
    private readonly urls: MediaUrlService,
  ) {}

  /** The files the viewer may see, in the order asked, leaving out the others and those that are gone. */
  async visible(context: RequestContext, ids: readonly string[]): Promise<Media[]> {
    const viewer = context.viewer;
    if (!viewer) return [];
    const loaded = await Promise.all(ids.map((id) => (UUID.test(id) ? this.state(context).media.load(id) : undefined)));
    const allowed = await Promise.all(loaded.map((media) => (media ? this.access.canSee(media, viewer, context.authorization) : false)));
    return loaded.filter((media, index): media is Media => media !== undefined && allowed[index] === true);
  }

  /** The viewer's signed URLs for a file, or null (not READY, or not theirs to see). */
  signed(context: RequestContext, media: Media): Promise<SignedMediaUrls | null> {
    const cache = this.state(context).urls;
    let signed = cache.get(media.id);
    if (!signed) {
      signed = this.urls.forViewer(media, context.viewer, context.authorization);
      cache.set(media.id, signed);
    }
    return signed;
  }

  private state(context: RequestContext): PerRequest {
    let state = this.requests.get(context);
    if (!state) {
      const em = context.em;
      state = {
        media: new BatchLoader(async (ids) => new Map((await em.find(Media, { id: { $in: ids } })).map((m) => [m.id, m]))),
        urls: new Map(),
      };
      this.requests.set(context, state);
    }
    return state;
  }
}
