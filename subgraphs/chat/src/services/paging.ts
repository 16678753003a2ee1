import { BadUserInputError } from '@chirpchat/kit';

/**
 * Cursors are opaque to clients (base64url) but plain inside: a message cursor holds its `seq`,
 * a conversation cursor holds the sort key (latest activity, id) so that paging stays stable
 * while new messages reorder the list.
 */
const MESSAGE_PREFIX = 'm:';
const CONVERSATION_PREFIX = 'c:';

/** The page size asked for, with its default; outside 1…max is BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined, fallback: number, max: number, field = 'first'): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new BadUserInputError(`"${field}" must be between 1 and ${max}.`, field);
  }
  return size;
}

export function encodeMessageCursor(seq: number): string {
  return Buffer.from(`${MESSAGE_PREFIX}${seq}`).toString('base64url');
}

/** @throws BadUserInputError when the cursor is not one this API handed out */
export function decodeMessageCursor(cursor: string, field: string): number {
  const text = decode(cursor);
  const seq = text?.startsWith(MESSAGE_PREFIX) ? Number(text.slice(MESSAGE_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 1 || text !== `${MESSAGE_PREFIX}${seq}`) {
    throw new BadUserInputError(`"${field}" is not a valid cursor: pass a cursor from a previous page.`, field);
  }
  return seq;
}

/** Where a conversation sits in a list sorted by latest activity. */
export interface ActivityKey {
  activityAt: Date;
  id: string;
}

export function encodeConversationCursor(key: ActivityKey): string {
  return Buffer.from(`${CONVERSATION_PREFIX}${key.activityAt.toISOString()}|${key.id}`).toString('base64url');
}

/** @throws BadUserInputError when the cursor is not one this API handed out */
export function decodeConversationCursor(cursor: string, field: string): ActivityKey {
  const text = decode(cursor);
  const match = text?.startsWith(CONVERSATION_PREFIX) ? /^(.+)\|([0-9a-f-]{36})$/i.exec(text.slice(CONVERSATION_PREFIX.length)) : null;
  const activityAt = match ? new Date(match[1]!) : null;
  if (!match || !activityAt || Number.isNaN(activityAt.getTime())) {
    throw new BadUserInputError(`"${field}" is not a valid cursor: pass a cursor from a previous page.`, field);
  }
  return { activityAt, id: match[2]! };
}

function decode(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
