import { fetchEntities, type PeerAddress } from '../federation.js';
import { defineQueue } from '../jobs.js';

/**
 * The contract of the **media** subgraph (its owner) with the subgraphs that depend on it.
 *
 * - `_entities` `Media { id kind status conversationId uploader { id } }`: what chat and users
 *   ask about a file before pointing at it, as the caller (media answers null for files they
 *   may not see).
 * - Queue `media-delete`: chat and users enqueue files that are no longer needed, media
 *   consumes.
 */
/** What chat and users ask the media subgraph about a file before pointing at it. */
export interface MediaFacts {
  id: string;
  kind: 'IMAGE' | 'VIDEO' | 'AUDIO' | 'DOCUMENT';
  status: 'UPLOADING' | 'PROCESSING' | 'READY' | 'FAILED';
  /** The conversation the file was uploaded for; null for a story or a profile picture. */
  conversationId: string | null;
  uploader: { id: string };
}

/**
 * Asks the media subgraph about files, as the caller (`authorization`).
 * @returns one entry per id, in order, null where media returned none (unknown, or not theirs to see)
 * @throws Error when media does not answer in time
 */
export function askMediaFacts(media: PeerAddress, ids: readonly string[], authorization: string | null): Promise<Array<MediaFacts | null>> {
  return fetchEntities<MediaFacts>(media, {
    authorization,
    typename: 'Media',
    ids,
    selection: 'id kind status conversationId uploader { id }',
  });
}

/**
 * "These files are no longer needed": enqueued by chat in the transaction that deletes a message
 * for everyone (or a story), consumed by media, which deletes the files from its store and the
 * rows. Durable, so a crash or a store outage only delays the deletion.
 */
export interface MediaDeleteEvent {
  mediaIds: string[];
  /** What was deleted, for the logs: `message:<id>` or `story:<id>`. */
  reason: string;
}

/** Media fans each event out into one retried job per file, so these retries only cover its own database being away. */
export const mediaDeleteQueue = defineQueue<MediaDeleteEvent>('media-delete', {
  retryLimit: 20,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 900,
  expireInSeconds: 300,
  retentionSeconds: 14 * 86_400,
});
