import { describe, expect, it } from 'vitest';
import { mentionTokens } from './mention.rules.js';

/** The candidates of each token, for short expectations. */
const candidates = (text: string) => mentionTokens(text).map((token) => token.candidates);

describe('mentionTokens', () => {
  it('finds an @username anywhere a word may start, lower-cased', () => {
    expect(candidates('@Bob hi')).toEqual([['bob']]);
    expect(candidates('hi @bob')).toEqual([['bob']]);
    expect(candidates('(@bob), see\n@carol_1')).toEqual([['bob'], ['carol_1']]);
  });

  it('ignores an @ right after a letter, digit, "_", "." or "@", so an email address mentions nobody', () => {
    expect(candidates('ann@example.com')).toEqual([]);
    expect(candidates('x1@bob _@bob .@bob @@bob')).toEqual([]);
    expect(candidates('é@bob')).toEqual([]);
  });

  it('offers the run with and without its trailing dots, the run first', () => {
    expect(candidates('thanks @bob.')).toEqual([['bob.', 'bob']]);
    expect(candidates('well @bob...')).toEqual([['bob...', 'bob']]);
    expect(candidates('@bob.smith')).toEqual([['bob.smith']]);
  });

  it('keeps only candidates in the username grammar (3 to 32 of a-z, 0-9, "_", ".")', () => {
    expect(candidates('@al and @al.')).toEqual([['al.']]);
    expect(candidates(`@${'a'.repeat(32)}`)).toEqual([['a'.repeat(32)]]);
    expect(candidates(`@${'a'.repeat(33)}`)).toEqual([]);
    expect(candidates(`@${'a'.repeat(32)}.`)).toEqual([['a'.repeat(32)]]);
  });

  it('ends the run at the first character outside [A-Za-z0-9_.]', () => {
    expect(candidates('@bobø @bob-smith')).toEqual([['bob']]);
    expect(candidates('@bø')).toEqual([]);
  });

  it('lists each run once, in order of first appearance, whatever its case', () => {
    expect(candidates('@carol @Bob @CAROL @bob')).toEqual([['carol'], ['bob']]);
  });

  it('finds nothing in text without mentions', () => {
    expect(mentionTokens('no mentions here, just an @ sign')).toEqual([]);
  });
});
