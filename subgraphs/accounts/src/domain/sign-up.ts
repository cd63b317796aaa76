import { conflict, ErrorCode, ShopError } from '@shop/platform/errors';
import { newId } from '@shop/platform/ids';
import type { Db } from '../db/database';
import { signUpThrottle, type UserRow, users } from '../db/schema';
import { hashPassword } from '../passwords';
import { countAttempt } from './attempt-throttle';
import { type NewAccount, validateNewAccount } from './credentials';
import { type SignUpLimits, signUpCounters } from './signup-throttle';

/**
 * Creates a customer account. A taken email is CONFLICT, whatever its case or spacing.
 *
 * Every well-formed sign-up is counted against its client address before the password is
 * hashed: past the limit it is RATE_LIMITED. That bounds what one address can make accounts
 * do (argon2 costs 19 MiB and tens of milliseconds per hash), how many accounts it can create,
 * and how many emails it can test for an account (a taken one answers CONFLICT).
 */
export async function signUp(
  db: Db,
  input: NewAccount,
  clientAddress: string | null,
  limits: SignUpLimits,
): Promise<UserRow> {
  const account = validateNewAccount(input);
  const retryAfterSeconds = await countAttempt(
    db,
    signUpThrottle,
    signUpCounters(clientAddress, limits),
    limits.windowSeconds,
  );
  if (retryAfterSeconds !== null)
    throw new ShopError(
      ErrorCode.RATE_LIMITED,
      `Too many sign-ups from this address. Try again in ${retryAfterSeconds} seconds.`,
      { retryAfterSeconds },
    );
  const passwordHash = await hashPassword(account.password);
  const [user] = await db
    .insert(users)
    .values({ id: newId(), email: account.email, name: account.name, role: 'CUSTOMER', passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!user) throw conflict('An account with this email already exists.', { field: 'input.email' });
  return user;
}
