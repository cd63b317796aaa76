import { conflict } from '@shop/platform/errors';
import { newId } from '@shop/platform/ids';
import type { Db } from '../context';
import { type UserRow, users } from '../db/schema';
import { hashPassword } from '../passwords';
import { type NewAccount, validateNewAccount } from './credentials';

/** Creates a customer account. A taken email is CONFLICT, whatever its case or spacing. */
export async function signUp(db: Db, input: NewAccount): Promise<UserRow> {
  const account = validateNewAccount(input);
  const passwordHash = await hashPassword(account.password);
  const [user] = await db
    .insert(users)
    .values({ id: newId(), email: account.email, name: account.name, role: 'CUSTOMER', passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!user) throw conflict('An account with this email already exists.', { field: 'input.email' });
  return user;
}
