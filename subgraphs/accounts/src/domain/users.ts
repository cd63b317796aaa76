import { isUuid } from '@shop/platform/ids';
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type UserRow, users } from '../db/schema';

export function findUsersByIds(db: Db, ids: readonly string[]): Promise<UserRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db.select().from(users).where(inArray(users.id, valid));
}

/** `email` must be normalised (`normaliseEmail`). */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return user ?? null;
}
