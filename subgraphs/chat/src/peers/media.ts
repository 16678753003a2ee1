import { fetchEntities } from '@chirpchat/kit';
import { MEDIA_FACTS_SELECTION, type MediaFacts } from '@chirpchat/kit/contracts';

export interface MediaPeerOptions {
  /** The media subgraph's GraphQL endpoint; without it, no file can be used in chat. */
  mediaUrl?: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * Chat's client of the **media** subgraph: what chat asks about files before a message or a
 * story points at them. Chat never reads media's tables; it calls `_entities` as the caller
 * (their token), so a file the caller may not see comes back as null.
 */
export class MediaPeer {
  constructor(private readonly options: MediaPeerOptions) {}

  /** Whether this chat subgraph has a media subgraph to ask. */
  get available(): boolean {
    return Boolean(this.options.mediaUrl);
  }

  /**
   * @returns one entry per id, in order, null where media returned none
   * @throws Error when there is no media subgraph or it does not answer
   */
  facts(ids: readonly string[], authorization: string | null): Promise<Array<MediaFacts | null>> {
    const { mediaUrl, routerSecret, timeoutMs = 5000 } = this.options;
    if (!mediaUrl) throw new Error('This chat subgraph has no media subgraph.');
    return fetchEntities<MediaFacts>({
      url: mediaUrl,
      routerSecret,
      authorization,
      typename: 'Media',
      ids,
      selection: MEDIA_FACTS_SELECTION,
      timeoutMs,
    });
  }
}
