import { BadUserInputError } from '@chirpchat/kit';
import type { MediaFacts } from '@chirpchat/kit/contracts';

/** At most this many files per message; the database checks it too. */
export const MAX_ATTACHMENTS = 10;

/**
 * The ids of the files to attach, as given by the client: at most 10, each once. A missing
 * list is no attachments.
 * @throws BadUserInputError (field `field`)
 */
export function normalizeMediaIds(given: readonly string[] | null | undefined, field = 'mediaIds'): string[] {
  const ids = [...(given ?? [])];
  if (ids.length > MAX_ATTACHMENTS) throw new BadUserInputError(`Attach at most ${MAX_ATTACHMENTS} files to one message.`, field);
  if (new Set(ids).size !== ids.length) throw new BadUserInputError('Attach each file once.', field);
  return ids;
}

/**
 * Whether the files may be used where the viewer is putting them: each one exists for the viewer
 * and was uploaded by them, for this very conversation (`null`: for no conversation, as stories
 * and profile pictures are), and has finished uploading without failing. Someone else's file and
 * an unknown id get the same answer, so the error tells nothing about other people's uploads.
 * @param found the media subgraph's answer, one entry per id, null where it returned none
 * @throws BadUserInputError (field `field`) naming the first rule a file breaks
 */
export function checkUsableMedia(
  ids: readonly string[],
  found: ReadonlyArray<MediaFacts | null>,
  viewerId: string,
  conversationId: string | null,
  field: string,
): void {
  ids.forEach((id, index) => {
    const media = found[index];
    if (!media || media.id !== id || media.uploader?.id !== viewerId) {
      throw new BadUserInputError(`There is no file of yours with id ${id}: upload it with createUpload first.`, field);
    }
    if ((media.conversationId ?? null) !== conversationId) {
      throw new BadUserInputError(
        conversationId === null
          ? `File ${id} was uploaded for a conversation: upload it again without a conversationId.`
          : `File ${id} was uploaded for another place: upload it again with this conversationId.`,
        field,
      );
    }
    if (media.status === 'UPLOADING') throw new BadUserInputError(`File ${id}: the file has not finished uploading.`, field);
    if (media.status === 'FAILED') throw new BadUserInputError(`File ${id} could not be processed: upload it again.`, field);
    if (media.status !== 'PROCESSING' && media.status !== 'READY') {
      throw new BadUserInputError(`File ${id} cannot be used (status ${String(media.status)}).`, field);
    }
  });
}
