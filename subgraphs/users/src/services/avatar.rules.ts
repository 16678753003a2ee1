import { BadUserInputError } from '@chirpchat/kit';
import type { MediaFacts } from '@chirpchat/kit/contracts';

const FIELD = 'avatarMediaId';

/**
 * Whether a file may be the viewer's profile picture: an image the viewer uploaded without a
 * conversation that has finished uploading and not failed. Someone else's file and an unknown
 * id get the same answer, so the error tells nothing about other people's uploads.
 * @param found the media subgraph's answer for `id`, null when it returned none
 * @throws BadUserInputError (field `avatarMediaId`) naming the first rule the file breaks
 */
export function checkAvatarMedia(id: string, found: MediaFacts | null, viewerId: string): void {
  if (!found || found.id !== id || found.uploader?.id !== viewerId) {
    throw new BadUserInputError('There is no file of yours with this id: upload the picture with createUpload first.', FIELD);
  }
  if (found.conversationId != null) {
    throw new BadUserInputError('This file was uploaded for a conversation: upload the picture again without a conversationId.', FIELD);
  }
  if (found.kind !== 'IMAGE') throw new BadUserInputError('A profile picture must be an image.', FIELD);
  if (found.status === 'UPLOADING') throw new BadUserInputError('The file has not finished uploading.', FIELD);
  if (found.status !== 'PROCESSING' && found.status !== 'READY') {
    throw new BadUserInputError('The picture could not be processed: upload it again.', FIELD);
  }
}
