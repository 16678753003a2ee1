import { InMemoryCache, type FieldFunctionOptions, type Reference } from '@apollo/client/core';

/** A message edge as the cache stores it: the node is a reference to the normalized Message. */
interface StoredMessageEdge {
  __typename?: 'MessageEdge';
  node: Reference;
}

/** `Conversation.messages` as the cache stores it: every page loaded so far, one list. */
export interface StoredMessages {
  __typename?: 'MessageConnection';
  edges: StoredMessageEdge[];
  pageInfo: { __typename?: 'PageInfo'; hasPreviousPage: boolean; startCursor: string | null };
}

type ReadField = FieldFunctionOptions['readField'];

function seqOf(edge: StoredMessageEdge, readField: ReadField): number {
  return readField<number>('seq', edge.node) ?? 0;
}

/** The union of two edge lists: one edge per seq (the newer copy wins), ascending. */
function unionBySeq(older: StoredMessageEdge[], newer: StoredMessageEdge[], readField: ReadField): StoredMessageEdge[] {
  const bySeq = new Map<number, StoredMessageEdge>();
  for (const edge of older) bySeq.set(seqOf(edge, readField), edge);
  for (const edge of newer) bySeq.set(seqOf(edge, readField), edge);
  return [...bySeq.entries()].sort(([a], [b]) => a - b).map(([, edge]) => edge);
}

/**
 * Pages of a conversation's history merge into one ascending list: an older page (`before`)
 * extends it backwards, the newest page (first load or a refetch) joins at the end. When the
 * newest page does not reach back to what is held, the held part is stale and is dropped.
 */
function mergeMessagePages(
  existing: StoredMessages | undefined,
  incoming: StoredMessages,
  { args, readField }: FieldFunctionOptions,
): StoredMessages {
  if (!existing) return { ...incoming, edges: unionBySeq([], incoming.edges, readField) };
  const edges = unionBySeq(existing.edges, incoming.edges, readField);
  if (args?.before) {
    return { ...existing, edges, pageInfo: { ...existing.pageInfo, ...incoming.pageInfo } };
  }
  const newestHeld = existing.edges.length ? seqOf(existing.edges.at(-1)!, readField) : 0;
  const oldestIncoming = incoming.edges.length ? seqOf(incoming.edges[0]!, readField) : Infinity;
  if (existing.edges.length && oldestIncoming > newestHeld + 1) return { ...incoming, edges: unionBySeq([], incoming.edges, readField) };
  const oldestHeld = existing.edges.length ? seqOf(existing.edges[0]!, readField) : Infinity;
  return { ...incoming, edges, pageInfo: oldestHeld < oldestIncoming ? existing.pageInfo : incoming.pageInfo };
}

/** Adds one message (a live event, a catch-up result, a sent message) to held history, once. */
export function insertMessage(existing: StoredMessages, node: Reference, readField: ReadField): StoredMessages {
  return { ...existing, edges: unionBySeq(existing.edges, [{ __typename: 'MessageEdge', node }], readField) };
}

interface StoredConversations {
  edges: Array<{ node: Reference }>;
  pageInfo: unknown;
}

/** The conversation list: a first page replaces, a later page (`after`) appends. */
function mergeConversationPages(
  existing: StoredConversations | undefined,
  incoming: StoredConversations,
  { args }: FieldFunctionOptions,
): StoredConversations {
  if (!existing || !args?.after) return incoming;
  const held = new Set(existing.edges.map((edge) => edge.node.__ref));
  return { ...incoming, edges: [...existing.edges, ...incoming.edges.filter((edge) => !held.has(edge.node.__ref))] };
}

interface StoredMember {
  user: Reference;
  lastDeliveredSeq?: number;
  lastReadSeq?: number;
}

/**
 * Members replace the held list (someone may have left), but receipt cursors only move forward
 * on the server: a response that set out before a live receipt arrived must not take it back.
 */
function mergeMembers(existing: StoredMember[] | undefined, incoming: StoredMember[], { readField }: FieldFunctionOptions): StoredMember[] {
  if (!existing) return incoming;
  const held = new Map(existing.map((member) => [readField<string>('id', member.user), member]));
  return incoming.map((member) => {
    const before = held.get(readField<string>('id', member.user));
    if (!before) return member;
    const delivered = Math.max(member.lastDeliveredSeq ?? 0, before.lastDeliveredSeq ?? 0);
    const read = Math.max(member.lastReadSeq ?? 0, before.lastReadSeq ?? 0);
    return {
      ...member,
      ...(member.lastDeliveredSeq !== undefined ? { lastDeliveredSeq: delivered } : {}),
      ...(member.lastReadSeq !== undefined ? { lastReadSeq: read } : {}),
    };
  });
}

const MEDIA_PROGRESS = ['UPLOADING', 'PROCESSING', 'READY', 'FAILED'];

/**
 * A file's status only moves forward: a message event that set out while the file was processing
 * can arrive after `mediaProcessed` said READY, and must not turn the thumbnail back into a placeholder.
 */
function laterStatus(existing: string | undefined, incoming: string): string {
  if (existing === undefined) return incoming;
  return Math.min(MEDIA_PROGRESS.indexOf(existing), 2) > Math.min(MEDIA_PROGRESS.indexOf(incoming), 2) ? existing : incoming;
}

/** Signed URLs: such a late copy has none yet, and the ones held stay until fresher ones come. */
function keepSigned<T>(existing: T | undefined, incoming: T): T {
  const empty = (value: unknown) =>
    value === null ||
    (typeof value === 'object' && Object.entries(value as object).every(([key, v]) => key === '__typename' || v === null));
  return existing !== undefined && empty(incoming) && !empty(existing) ? existing : incoming;
}

export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          conversations: { keyArgs: false, merge: mergeConversationPages },
        },
      },
      Conversation: {
        fields: {
          messages: { keyArgs: false, merge: mergeMessagePages },
          members: { merge: mergeMembers },
        },
      },
      Media: {
        fields: {
          status: { merge: laterStatus },
          url: { merge: keepSigned },
          variants: { merge: keepSigned },
          urlsExpireAt: { merge: keepSigned },
        },
      },
    },
  });
}
