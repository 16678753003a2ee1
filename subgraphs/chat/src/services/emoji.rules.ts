import { BadUserInputError } from '@chirpchat/kit';

/** The most UTF-8 bytes a reaction may have; see `normalizeEmoji`. */
export const EMOJI_MAX_BYTES = 64;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const PICTOGRAPH = String.raw`\p{Extended_Pictographic}\uFE0F?\p{Emoji_Modifier}?(?:[\u{E0020}-\u{E007E}]+\u{E007F})?`;
const EMOJI = new RegExp(String.raw`^(?:\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3|${PICTOGRAPH}(?:\u200D${PICTOGRAPH})*)$`, 'u');
const TEXT_STYLE_PICTOGRAPH = /^(?=\p{Extended_Pictographic}$)\P{Emoji_Presentation}$/u;
const BARE_KEYCAP = /^([0-9#*])\u20E3$/u;

/**
 * The emoji in the form it is stored and grouped by. A reaction is exactly one emoji, as a
 * person picks it from an emoji keyboard:
 *
 * - exactly one grapheme (`Intl.Segmenter`), with no spaces, letters or other text around it;
 * - and that grapheme is one of
 *   - a flag: two regional indicators (🇺🇦),
 *   - a keycap: `0-9`, `#` or `*`, an optional U+FE0F, then U+20E3 (1️⃣),
 *   - a pictographic emoji (`\p{Extended_Pictographic}`) with an optional U+FE0F and skin-tone
 *     modifier, optional tag characters (🏴󠁧󠁢󠁳󠁣󠁴󠁿), and any number of such emoji joined by
 *     U+200D (👩🏽‍💻, 👨‍👩‍👧‍👦);
 * - at most 64 UTF-8 bytes. (The longest emoji in Unicode's recommended set, a kiss with two
 *   skin tones, is 35 bytes, so 32 would refuse real emoji; 64 still bounds the storage.)
 *
 * A lone pictograph that has a text form (❤, ☺) gets U+FE0F appended, and so does a keycap
 * without one, so `❤` and `❤️` are one reaction, not two. Plain digits and letters,
 * `:shortcodes:`, two emoji, a lone skin-tone swatch or a lone regional indicator are refused.
 * @throws BadUserInputError (field `emoji`) for anything that is not exactly one emoji
 */
export function normalizeEmoji(given: string): string {
  const emoji = TEXT_STYLE_PICTOGRAPH.test(given) ? `${given}\uFE0F` : given.replace(BARE_KEYCAP, '$1\uFE0F\u20E3');
  const graphemes = [...segmenter.segment(emoji)].length;
  if (graphemes !== 1 || Buffer.byteLength(emoji) > EMOJI_MAX_BYTES || !EMOJI.test(emoji)) {
    throw new BadUserInputError('A reaction is exactly one emoji, such as 👍 or ❤️, with nothing else around it.', 'emoji');
  }
  return emoji;
}
