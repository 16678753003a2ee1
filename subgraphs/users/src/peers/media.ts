import type { PeerAddress } from '@chirpchat/kit';
import { askMediaFacts, type MediaFacts } from '@chirpchat/kit/contracts';

/**
 * The users subgraph's client of the **media** subgraph: asked about a file before a profile
 * points at it (`updateProfile(avatarMediaId)`), as the caller (their token), so a file the
 * caller may not see comes back as null.
 */
export class MediaPeer {
  /** @param media where media is; null when this users subgraph has none (no profile pictures) */
  constructor(private readonly media: PeerAddress | null) {}

  get available(): boolean {
    return this.media !== null;
  }

  /** @throws Error when there is no media subgraph or it does not answer */
  async fact(id: string, authorization: string | null): Promise<MediaFacts | null> {
    if (!this.media) throw new Error('This users subgraph has no media subgraph.');
    const [found] = await askMediaFacts(this.media, [id], authorization);
    return found ?? null;
  }
}
