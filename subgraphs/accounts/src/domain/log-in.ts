import { ErrorCode, ShopError, unauthenticated } from '@shop/platform/errors';
import type { Db } from '../db/database';
import type { UserRow } from '../db/schema';
import { verifyPassword } from '../passwords';
import { normaliseEmail } from './credentials';
import { admitLogin, type LoginLimits, LoginRateLimited } from './login-throttle';
import { findUserByEmail } from './users';

export interface LoginAttempt {
  email: string;
  password: string;
  /** Where the attempt comes from, as the gateway saw it; null when unknown. */
  clientAddress: string | null;
}

/**
 * The user whose email and password these are. Past a failure limit (login-throttle.ts) an
 * attempt is RATE_LIMITED without checking anything; only failures count, never a success.
 * An unknown email and a wrong password are the same error, after the same work.
 */
export async function logIn(db: Db, attempt: LoginAttempt, limits: LoginLimits): Promise<UserRow> {
  const email = normaliseEmail(attempt.email);
  let gate: Awaited<ReturnType<typeof admitLogin>>;
  try {
    gate = await admitLogin(db, email, attempt.clientAddress, limits);
  } catch (error) {
    if (!(error instanceof LoginRateLimited)) throw error;
    const { retryAfterSeconds } = error;
    throw new ShopError(ErrorCode.RATE_LIMITED, error.message, { retryAfterSeconds });
  }
  let user: UserRow | null = null;
  let checked = false;
  try {
    const found = await findUserByEmail(db, email);
    user = (await verifyPassword(found?.passwordHash ?? null, attempt.password)) ? found : null;
    checked = true;
  } finally {
    // A fault (the database gone) is not a wrong password: it ends the attempt without counting.
    await gate.settle(checked && user === null);
  }
  if (!user) throw unauthenticated('The email or password is not correct.');
  return user;
}
