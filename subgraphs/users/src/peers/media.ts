import { fetchEntities } from '@chirpchat/kit';
import { MEDIA_FACTS_SELECTION, type MediaFacts } from '@chirpchat/kit/contracts';

export interface MediaPeerOptions {
  /** The media subgraph's GraphQL endpoint; without it, no file can become a profile picture. */
  mediaUrl?: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * The users subgraph's client of the **media** subgraph: asked about a file before a profile
 * points at it (`updateProfile(avatarMediaId)`). Users never reads media's tables; it calls
 * `_entities` as the caller (their token), so a file the caller may not see comes back as null.
 */
export class MediaPeer {
  constructor(private readonly options: MediaPeerOptions) {}

  /** Whether this users subgraph has a media subgraph to ask. */
  get available(): boolean {
    return Boolean(this.options.mediaUrl);
  }

  /**
   * The file as media answers the caller, or null.
   * @throws Error when there is no media subgraph or it does not answer
   */
  async fact(id: string, authorization: string | null): Promise<MediaFacts | null> {
    const { mediaUrl, routerSecret, timeoutMs = 5000 } = this.options;
    if (!mediaUrl) throw new Error('This users subgraph has no media subgraph.');
    const [found] = await fetchEntities<MediaFacts>({
      url: mediaUrl,
      routerSecret,
      authorization,
      typename: 'Media',
      ids: [id],
      selection: MEDIA_FACTS_SELECTION,
      timeoutMs,
    });
    return found ?? null;
  }
}
