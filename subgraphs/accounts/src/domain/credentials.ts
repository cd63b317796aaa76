import { badUserInput } from '@shop/platform/errors';

export const MIN_PASSWORD_LENGTH = 10;
// argon2 takes any length, but a password is not a document: this bounds the work per attempt.
export const MAX_PASSWORD_LENGTH = 256;
const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 100;
// Pragmatic, not RFC 5322: one @, a dot in the domain, no spaces or control characters.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** How an email is stored and compared: Unicode NFC, trimmed, lower case. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export interface NewAccount {
  email: string;
  name: string;
  password: string;
}

/** Checks and normalises a sign-up; a bad field is BAD_USER_INPUT naming it (`input.email`, …). */
export function validateNewAccount(input: NewAccount): NewAccount {
  const email = normaliseEmail(input.email);
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email))
    throw badUserInput('input.email', 'Enter a valid email address, such as name@example.com.');
  const name = input.name.normalize('NFC').trim();
  if (name.length === 0) throw badUserInput('input.name', 'Enter your name.');
  if (name.length > MAX_NAME_LENGTH)
    throw badUserInput('input.name', `A name is at most ${MAX_NAME_LENGTH} characters long.`);
  // Counted in characters a person typed, not UTF-16 units.
  const length = [...input.password].length;
  if (length < MIN_PASSWORD_LENGTH)
    throw badUserInput(
      'input.password',
      `A password must be at least ${MIN_PASSWORD_LENGTH} characters long.`,
    );
  if (length > MAX_PASSWORD_LENGTH)
    throw badUserInput('input.password', `A password is at most ${MAX_PASSWORD_LENGTH} characters long.`);
  return { email, name, password: input.password };
}
