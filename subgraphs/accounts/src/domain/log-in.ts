import { ErrorCode, ShopError, unauthenticated } from '@shop/platform/errors';
import type { Db } from '../context';
import type { UserRow } from '../db/schema';
import { loginThrottle } from '../db/schema';
import { verifyPassword } from '../passwords';
import { countAttempt, forgiveAttempt } from './attempt-throttle';
import { normaliseEmail } from './credentials';
import { type LoginLimits, loginCounters } from './login-throttle';
import { findUserByEmail } from './users';

export interface LoginAttempt {
  email: string;
  password: string;
  /** Where the attempt comes from, as the gateway saw it; null when unknown. */
  clientAddress: string | null;
}

/**
 * The user whose email and password these are. Every attempt is counted first, against the
 * email and the client address; past a limit it is RATE_LIMITED without checking anything.
 * An unknown email and a wrong password are the same error, after the same work.
 */
export async function logIn(db: Db, attempt: LoginAttempt, limits: LoginLimits): Promise<UserRow> {
  const email = normaliseEmail(attempt.email);
  const counters = loginCounters(email, attempt.clientAddress, limits);
  const retryAfterSeconds = await countAttempt(db, loginThrottle, counters, limits.windowSeconds);
  if (retryAfterSeconds !== null)
    throw new ShopError(
      ErrorCode.RATE_LIMITED,
      `Too many failed log-ins. Try again in ${retryAfterSeconds} seconds.`,
      { retryAfterSeconds },
    );
  const user = await findUserByEmail(db, email);
  const valid = await verifyPassword(user?.passwordHash ?? null, attempt.password);
  if (!user || !valid) throw unauthenticated('The email or password is not correct.');
  await forgiveAttempt(db, loginThrottle, counters);
  return user;
}
