import { describe, expect, it } from 'vitest';
import { DISPLAY_NAME_MAX, normalizeDisplayName, normalizeEmail, normalizeUsername } from './profile.rules.js';

const inputError = (field: string, message: string) => expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT', field } });

describe('normalizeUsername', () => {
  it('trims and lower-cases, so `Alice ` and `alice` are one account', () => {
    expect(normalizeUsername(' Alice ')).toBe('alice');
    expect(normalizeUsername('bob.smith_2')).toBe('bob.smith_2');
  });

  it('accepts 3 to 32 characters', () => {
    expect(normalizeUsername('abc')).toBe('abc');
    expect(normalizeUsername('a'.repeat(32))).toBe('a'.repeat(32));
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['a hyphen', 'bob-smith'],
    ['a space inside', 'bob smith'],
    ['an @', '@bob'],
    ['a letter outside a-z', 'ålice'],
  ])('refuses %s on the username field', (_what, given) => {
    expect(() => normalizeUsername(given)).toThrow(
      inputError('username', 'Choose a username of 3 to 32 characters using only letters, digits, "_" and ".".'),
    );
  });
});

describe('normalizeEmail', () => {
  const refusal = inputError('email', 'Enter a valid email address, like name@example.com.');

  it('trims and lower-cases', () => {
    expect(normalizeEmail(' Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizeEmail('ann+chat@mail.example.co.uk')).toBe('ann+chat@mail.example.co.uk');
  });

  it.each([
    ['no @', 'ann.example.com'],
    ['no dot in the domain', 'ann@example'],
    ['two @', 'ann@@example.com'],
    ['a space', 'ann lee@example.com'],
    ['an empty domain label', 'ann@example..com'],
    ['a domain starting with a dot', 'ann@.example.com'],
    ['nothing before the @', '@example.com'],
    ['a mailbox over 64 characters', `${'a'.repeat(65)}@example.com`],
  ])('refuses %s on the email field', (_what, given) => {
    expect(() => normalizeEmail(given)).toThrow(refusal);
  });

  it('accepts 254 characters and refuses 255', () => {
    const address = (length: number) => `${'a'.repeat(64)}@${'b'.repeat(length - 64 - 1 - 4)}.com`;
    expect(normalizeEmail(address(254))).toHaveLength(254);
    expect(() => normalizeEmail(address(255))).toThrow(refusal);
  });
});

describe('normalizeDisplayName', () => {
  const lengthRefusal = inputError('displayName', 'A display name is 1 to 64 characters long.');

  it('trims, keeping case and inner spaces', () => {
    expect(normalizeDisplayName('  Ann Lee \n')).toBe('Ann Lee');
  });

  it('accepts 1 to 64 characters, counted in code points', () => {
    expect(normalizeDisplayName('A')).toBe('A');
    expect(normalizeDisplayName('😀'.repeat(DISPLAY_NAME_MAX))).toBe('😀'.repeat(DISPLAY_NAME_MAX));
  });

  it('refuses an empty or blank name and one over 64 characters', () => {
    expect(() => normalizeDisplayName('')).toThrow(lengthRefusal);
    expect(() => normalizeDisplayName('   ')).toThrow(lengthRefusal);
    expect(() => normalizeDisplayName('a'.repeat(DISPLAY_NAME_MAX + 1))).toThrow(lengthRefusal);
  });

  it.each([
    ['a line break', 'Ann\nLee'],
    ['a tab', 'Ann\tLee'],
    ['DEL', 'Ann\u007f'],
    ['a C1 control character', 'Ann\u0085Lee'],
  ])('refuses %s inside the name', (_what, given) => {
    expect(() => normalizeDisplayName(given)).toThrow(
      inputError('displayName', 'A display name cannot contain control characters such as line breaks.'),
    );
  });
});
