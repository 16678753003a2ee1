import { BadUserInputError } from '@chirpchat/kit';

/**
 * What a username, an email address and a display name must look like. Each function returns
 * the normalized value or throws BAD_USER_INPUT naming the field, so that a client can point
 * at it; nothing is stored before every rule has passed.
 */

/** What every username looks like once normalized. */
export const USERNAME = /^[a-z0-9_.]{3,32}$/;
/** Deliberately loose: one `@`, a dot in the domain, no spaces. The mailbox is the real check. */
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const DISPLAY_NAME_MAX = 64;

/** Trims and lower-cases, so that `Alice` and `alice ` are the same account. */
export function normalizeUsername(value: string): string {
  const username = value.trim().toLowerCase();
  if (!USERNAME.test(username)) {
    throw new BadUserInputError('Choose a username of 3 to 32 characters using only letters, digits, "_" and ".".', 'username');
  }
  return username;
}

export function normalizeEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw new BadUserInputError('Enter a valid email address, like name@example.com.', 'email');
  return email;
}

export function normalizeDisplayName(value: string): string {
  const displayName = value.trim();
  const length = [...displayName].length;
  if (length < 1 || length > DISPLAY_NAME_MAX) {
    throw new BadUserInputError(`A display name is 1 to ${DISPLAY_NAME_MAX} characters long.`, 'displayName');
  }
  if (CONTROL.test(displayName))
    throw new BadUserInputError('A display name cannot contain control characters such as line breaks.', 'displayName');
  return displayName;
}
