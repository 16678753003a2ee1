import { BadUserInputError } from '@chirpchat/kit';
import { normalizeMediaIds } from './media.rules.js';

/** At most this many characters (code points) of text per message; the database checks it too. */
export const MESSAGE_TEXT_MAX = 10_000;

/**
 * A message's text as stored: trimmed, not empty, at most 10,000 characters. Sending and
 * editing apply the same rule.
 * @throws BadUserInputError (field `text`)
 */
export function normalizeMessageText(given: string | null | undefined): string {
  const text = given?.trim() ?? '';
  if (text === '') throw new BadUserInputError('A message needs text.', 'text');
  if ([...text].length > MESSAGE_TEXT_MAX) {
    throw new BadUserInputError(`A message can have at most ${MESSAGE_TEXT_MAX.toLocaleString('en')} characters.`, 'text');
  }
  return text;
}

/** What a sent message carries: text, files, or both. */
export interface MessageBody {
  text: string | null;
  mediaIds: string[];
}

/**
 * A new message's text and attachments as stored. With at least one file the text may be left
 * out (blank counts as left out); without files it follows {@link normalizeMessageText}.
 * @throws BadUserInputError (field `text` or `mediaIds`)
 */
export function normalizeMessageBody(text: string | null | undefined, mediaIds: readonly string[] | null | undefined): MessageBody {
  const ids = normalizeMediaIds(mediaIds);
  if (ids.length > 0 && (text?.trim() ?? '') === '') return { text: null, mediaIds: ids };
  return { text: normalizeMessageText(text), mediaIds: ids };
}
