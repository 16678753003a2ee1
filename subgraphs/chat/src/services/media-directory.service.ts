import { BadUserInputError, fetchMediaFacts, type MediaDirectoryOptions, type Viewer } from '@chirpchat/kit';
import { checkUsableMedia } from './media.rules.js';

/**
 * Asks the media subgraph about files before a message or story points at them. Chat never reads
 * media's tables: it calls `_entities` as the caller (their token), so media applies its own
 * visibility rules and a file the caller may not see comes back as null.
 */
export class MediaDirectoryService {
  constructor(private readonly options: MediaDirectoryOptions) {}

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
    const { mediaUrl, routerSecret, timeoutMs } = this.options;
    if (!mediaUrl) throw new BadUserInputError('Attachments are not available on this server.', field);
    const found = await fetchMediaFacts({ mediaUrl, routerSecret, authorization, ids, timeoutMs });
    checkUsableMedia(ids, found, viewer.id, conversationId, field);
  }
}
