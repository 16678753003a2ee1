import { BadUserInputError, type Viewer } from '@chirpchat/kit';
import type { MediaPeer } from '../peers/media.js';
import { checkUsableMedia } from './media.rules.js';

/** Checks files before a message or story points at them, with what the media subgraph answers the viewer. */
export class MediaDirectoryService {
  constructor(private readonly media: MediaPeer) {}

  /**
   * Checks that the viewer may put these files where they are putting them (see
   * `checkUsableMedia`). No ids: nothing to check, and no call.
   * @param conversationId the conversation the files go to, or null for a story
   * @throws BadUserInputError (field `field`) when a file breaks a rule, or when this chat
   *   subgraph has no media subgraph; Error when the media subgraph does not answer
   */
  async requireUsable(
    ids: readonly string[],
    viewer: Viewer,
    conversationId: string | null,
    authorization: string | null,
    field: string,
  ): Promise<void> {
    if (ids.length === 0) return;
    if (!this.media.available) throw new BadUserInputError('Attachments are not available on this server.', field);
    const found = await this.media.facts(ids, authorization);
    checkUsableMedia(ids, found, viewer.id, conversationId, field);
  }
}
