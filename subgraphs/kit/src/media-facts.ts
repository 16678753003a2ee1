import { fetchEntities } from './federation.js';

/** What chat and users ask the media subgraph about a file before pointing at it. */
export interface MediaFacts {
  id: string;
  kind: 'IMAGE' | 'VIDEO' | 'AUDIO' | 'DOCUMENT';
  status: 'UPLOADING' | 'PROCESSING' | 'READY' | 'FAILED';
  /** The conversation the file was uploaded for; null for a story or a profile picture. */
  conversationId: string | null;
  uploader: { id: string };
}

/** Where a subgraph finds the media subgraph; without `mediaUrl`, files cannot be used there. */
export interface MediaDirectoryOptions {
  /** The media subgraph's GraphQL endpoint. */
  mediaUrl?: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

export interface MediaFactsLookup {
  /** The media subgraph's GraphQL endpoint. */
  mediaUrl: string;
  routerSecret: string;
  /** The caller's own Authorization value: media answers null for files they may not see. */
  authorization: string | null;
  ids: readonly string[];
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * Asks the media subgraph about files through `_entities`, as the caller. Chat and users never
 * read media's tables; media applies its own visibility rules.
 * @returns one entry per id, in order, null where media returned none
 * @throws Error when the media subgraph does not answer
 */
export function fetchMediaFacts(lookup: MediaFactsLookup): Promise<Array<MediaFacts | null>> {
  return fetchEntities<MediaFacts>({
    url: lookup.mediaUrl,
    routerSecret: lookup.routerSecret,
    authorization: lookup.authorization,
    typename: 'Media',
    ids: lookup.ids,
    selection: 'id kind status conversationId uploader { id }',
    timeoutMs: lookup.timeoutMs ?? 5000,
  });
}
