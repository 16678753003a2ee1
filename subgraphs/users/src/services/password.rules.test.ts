import { describe, expect, it } from 'vitest';
import { checkPasswordStrength, PASSWORD_MAX, PASSWORD_MIN } from './password.rules.js';

const account = { username: 'alice.smith', email: 'alice@example.com' };
const check = (password: string) => checkPasswordStrength(password, account);
const inputError = (message: string) => expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT', field: 'password' } });
const weak = inputError(
  'This password is too weak: use at least 8 characters that are not your username, your email, one repeated character or a common password.',
);

describe('checkPasswordStrength', () => {
  it('accepts a password of 8 characters that breaks no rule', () => {
    expect(() => check('tulip-42')).not.toThrow();
    expect(() => check('correct horse battery staple')).not.toThrow();
  });

  it('asks for a password when none is given', () => {
    expect(() => check('')).toThrow(inputError('Choose a password of at least 8 characters.'));
  });

  it('refuses fewer than 8 characters as weak', () => {
    expect(() => check('tulip-4')).toThrow(weak);
  });

  it('counts characters (code points), not UTF-16 units', () => {
    expect(() => check('🌷🌻🌼🌸🌹🌺💐🪻')).not.toThrow();
    expect(() => check('🌷🌻🌼🌸🌹🌺💐')).toThrow(weak); // 7 characters, 14 UTF-16 units
  });

  it('accepts 256 characters and refuses 257', () => {
    const long = (length: number) => Array.from({ length }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    expect(() => check(long(PASSWORD_MAX))).not.toThrow();
    expect(() => check(long(PASSWORD_MAX + 1))).toThrow(inputError('A password can be at most 256 characters long.'));
  });

  it('refuses one repeated character, emoji included', () => {
    expect(() => check('aaaaaaaaaa')).toThrow(weak);
    expect(() => check(' '.repeat(PASSWORD_MIN))).toThrow(weak);
    expect(() => check('🌷'.repeat(PASSWORD_MIN))).toThrow(weak);
    expect(() => check('aaaaaaab')).not.toThrow();
  });

  it('refuses the account’s own username or email, whatever the case', () => {
    expect(() => check('Alice.Smith')).toThrow(weak);
    expect(() => check('ALICE@example.com')).toThrow(weak);
  });

  it('refuses a common password, whatever the case', () => {
    expect(() => check('Password123')).toThrow(weak);
    expect(() => check('ChirpChat')).toThrow(weak);
    expect(() => check('qwertyuiop')).toThrow(weak);
  });
});
