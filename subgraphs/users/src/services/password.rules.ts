import { BadUserInputError } from '@chirpchat/kit';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** The passwords tried first by anyone guessing; a longer list belongs in a breach-corpus check. */
const COMMON_PASSWORDS = new Set([
  'password',
  'password1',
  'password123',
  '12345678',
  '123456789',
  '1234567890',
  'qwerty123',
  'qwertyuiop',
  'iloveyou',
  'letmein123',
  'welcome123',
  'abc12345',
  'chirpchat',
  'chirpchat123',
]);

/**
 * Refuses passwords that are trivially guessed: too short, one repeated character, the
 * account's own username or email, or a very common one. The length is counted in
 * characters (code points), not bytes.
 */
export function checkPasswordStrength(password: string, account: { username: string; email: string }): void {
  const length = [...password].length;
  if (length === 0) throw new BadUserInputError(`Choose a password of at least ${PASSWORD_MIN} characters.`, 'password');
  if (length > PASSWORD_MAX) throw new BadUserInputError(`A password can be at most ${PASSWORD_MAX} characters long.`, 'password');
  const lower = password.toLowerCase();
  const weak =
    length < PASSWORD_MIN ||
    /^(.)\1*$/su.test(password) ||
    lower === account.username ||
    lower === account.email ||
    COMMON_PASSWORDS.has(lower);
  if (weak) {
    throw new BadUserInputError(
      `This password is too weak: use at least ${PASSWORD_MIN} characters that are not your username, your email, one repeated character or a common password.`,
      'password',
    );
  }
}
