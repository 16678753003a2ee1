import type { PeerAddress } from '@chirpchat/kit';
import { askMediaFacts, type MediaFacts } from '@chirpchat/kit/contracts';

/**
 * Chat's client of the **media** subgraph: what chat asks about files before a message or a
 * story points at them. Chat never reads media's tables; it asks as the caller (their token),
 * so a file the caller may not see comes back as null.
 */
export class MediaPeer {
  /** @param media where media is; null when this chat subgraph has none (no file can be used) */
  constructor(private readonly media: PeerAddress | null) {}

  get available(): boolean {
    return this.media !== null;
  }

  /** @throws Error when there is no media subgraph or it does not answer */
  facts(ids: readonly string[], authorization: string | null): Promise<Array<MediaFacts | null>> {
    if (!this.media) throw new Error('This chat subgraph has no media subgraph.');
    return askMediaFacts(this.media, ids, authorization);
  }
}
