import { BadUserInputError } from '@chirpchat/kit';
import type { MediaPeer } from '../peers/media.js';
import { checkAvatarMedia } from './avatar.rules.js';

/** Checks a file before a profile points at it, with what the media subgraph answers the viewer. */
export class MediaDirectoryService {
  constructor(private readonly media: MediaPeer) {}

  /**
   * @throws BadUserInputError (field `avatarMediaId`) when the file may not be the viewer's
   *   profile picture (see `checkAvatarMedia`) or there is no media subgraph; Error when the
   *   media subgraph does not answer
   */
  async requireAvatar(id: string, viewerId: string, authorization: string | null): Promise<void> {
    if (!this.media.available) throw new BadUserInputError('Profile pictures are not available on this server.', 'avatarMediaId');
    checkAvatarMedia(id, await this.media.fact(id, authorization), viewerId);
  }
}
