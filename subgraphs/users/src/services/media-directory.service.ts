import { BadUserInputError, fetchMediaFacts, type MediaDirectoryOptions } from '@chirpchat/kit';
import { checkAvatarMedia } from './avatar.rules.js';

/**
 * Asks the media subgraph about a file before a profile points at it. Users never reads media's
 * tables: it calls `_entities` as the caller (their token), so media applies its own visibility
 * rules and a file the caller may not see comes back as null.
 */
export class MediaDirectoryService {
  constructor(private readonly options: MediaDirectoryOptions) {}

  /**
   * @throws BadUserInputError (field `avatarMediaId`) when the file may not be the viewer's
   *   profile picture (see `checkAvatarMedia`) or there is no media subgraph; Error when the
   *   media subgraph does not answer
   */
  async requireAvatar(id: string, viewerId: string, authorization: string | null): Promise<void> {
    const { mediaUrl, routerSecret, timeoutMs } = this.options;
    if (!mediaUrl) throw new BadUserInputError('Profile pictures are not available on this server.', 'avatarMediaId');
    const [found] = await fetchMediaFacts({ mediaUrl, routerSecret, authorization, ids: [id], timeoutMs });
    checkAvatarMedia(id, found ?? null, viewerId);
  }
}
