import { describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX, normalizeMessageBody, normalizeMessageText } from './message.rules.js';

const inputError = (field: string, message: string) => expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT', field } });

describe('normalizeMessageText', () => {
  it('trims the text', () => {
    expect(normalizeMessageText('  hello \n')).toBe('hello');
  });

  it.each([
    ['empty', ''],
    ['blank', ' \n\t '],
    ['null', null],
    ['undefined', undefined],
  ])('refuses %s text on the text field', (_what, given) => {
    expect(() => normalizeMessageText(given)).toThrow(inputError('text', 'A message needs text.'));
  });

  it('accepts 10,000 characters, counted in code points, and refuses one more', () => {
    expect(normalizeMessageText('a'.repeat(MESSAGE_TEXT_MAX))).toHaveLength(MESSAGE_TEXT_MAX);
    const emoji = '😀'.repeat(MESSAGE_TEXT_MAX); // 20,000 UTF-16 code units
    expect(normalizeMessageText(emoji)).toBe(emoji);
    expect(() => normalizeMessageText('a'.repeat(MESSAGE_TEXT_MAX + 1))).toThrow(
      inputError('text', 'A message can have at most 10,000 characters.'),
    );
  });

  it('counts the length after trimming', () => {
    expect(normalizeMessageText(` ${'a'.repeat(MESSAGE_TEXT_MAX)} `)).toHaveLength(MESSAGE_TEXT_MAX);
  });
});

describe('normalizeMessageBody', () => {
  it('keeps text alone, with no files', () => {
    expect(normalizeMessageBody(' hi ', undefined)).toEqual({ text: 'hi', mediaIds: [] });
    expect(normalizeMessageBody('hi', null)).toEqual({ text: 'hi', mediaIds: [] });
    expect(normalizeMessageBody('hi', [])).toEqual({ text: 'hi', mediaIds: [] });
  });

  it('lets files go without text, storing blank text as none', () => {
    expect(normalizeMessageBody(null, ['m1'])).toEqual({ text: null, mediaIds: ['m1'] });
    expect(normalizeMessageBody('   ', ['m1', 'm2'])).toEqual({ text: null, mediaIds: ['m1', 'm2'] });
  });

  it('keeps the trimmed text that goes with files', () => {
    expect(normalizeMessageBody(' look ', ['m1'])).toEqual({ text: 'look', mediaIds: ['m1'] });
  });

  it('refuses a message with neither text nor files on the text field', () => {
    expect(() => normalizeMessageBody('  ', [])).toThrow(inputError('text', 'A message needs text.'));
  });

  it('applies the text limit with files too', () => {
    expect(() => normalizeMessageBody('a'.repeat(MESSAGE_TEXT_MAX + 1), ['m1'])).toThrow(
      inputError('text', 'A message can have at most 10,000 characters.'),
    );
  });

  it('checks the files first, on the mediaIds field', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `m${i}`);
    expect(() => normalizeMessageBody('', eleven)).toThrow(inputError('mediaIds', 'Attach at most 10 files to one message.'));
    expect(() => normalizeMessageBody('hi', ['m1', 'm1'])).toThrow(inputError('mediaIds', 'Attach each file once.'));
  });
});
