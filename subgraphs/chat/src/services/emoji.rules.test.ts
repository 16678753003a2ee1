import { describe, expect, it } from 'vitest';
import { EMOJI_MAX_BYTES, normalizeEmoji } from './emoji.rules.js';

const refusal = {
  message: 'A reaction is exactly one emoji, such as 👍 or ❤️, with nothing else around it.',
  extensions: { code: 'BAD_USER_INPUT', field: 'emoji' },
};

/** `count` men joined by U+200D: one grapheme of 4 + 7 × (count − 1) UTF-8 bytes. */
const joined = (count: number) => Array.from({ length: count }, () => '👨').join('\u200D');

describe('normalizeEmoji', () => {
  it.each([
    ['a plain emoji', '👍'],
    ['an emoji with a skin tone', '👍🏽'],
    ['a flag', '🇺🇦'],
    ['a keycap', '1️⃣'],
    ['a profession with a skin tone', '👩🏽‍💻'],
    ['a family of four', '👨‍👩‍👧‍👦'],
    ['a subdivision flag made of tag characters', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a kiss with two skin tones (35 bytes, the longest recommended emoji)', '🧑🏻‍❤️‍💋‍🧑🏼'],
  ])('keeps %s as it is', (_what, emoji) => {
    expect(normalizeEmoji(emoji)).toBe(emoji);
  });

  it('appends U+FE0F to a pictograph that has a text form, so ❤ and ❤️ are one reaction', () => {
    expect(normalizeEmoji('❤')).toBe('❤\uFE0F');
    expect(normalizeEmoji('❤\uFE0F')).toBe('❤\uFE0F');
    expect(normalizeEmoji('☺')).toBe('☺\uFE0F');
  });

  it('adds the missing U+FE0F to a bare keycap', () => {
    expect(normalizeEmoji('1\u20E3')).toBe('1\uFE0F\u20E3');
    expect(normalizeEmoji('#\u20E3')).toBe('#\uFE0F\u20E3');
  });

  it.each([
    ['nothing', ''],
    ['a letter', 'a'],
    ['a digit', '1'],
    ['a shortcode', ':thumbsup:'],
    ['two emoji', '👍👍'],
    ['an emoji with a space after it', '👍 '],
    ['an emoji with a space before it', ' 👍'],
    ['an emoji after a letter', 'a👍'],
    ['a lone skin-tone swatch', '🏽'],
    ['a lone regional indicator', '🇺'],
    ['a pictograph in text presentation (U+FE0E)', '❤\uFE0E'],
  ])('refuses %s', (_what, given) => {
    expect(() => normalizeEmoji(given)).toThrow(expect.objectContaining(refusal));
  });

  it(`accepts one grapheme of up to ${EMOJI_MAX_BYTES} UTF-8 bytes and refuses a longer one`, () => {
    expect(Buffer.byteLength(joined(9))).toBe(60);
    expect(normalizeEmoji(joined(9))).toBe(joined(9));
    expect(Buffer.byteLength(joined(10))).toBe(67);
    expect(() => normalizeEmoji(joined(10))).toThrow(expect.objectContaining(refusal));
  });
});
