import { BadUserInputError } from '@chirpchat/kit';

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
