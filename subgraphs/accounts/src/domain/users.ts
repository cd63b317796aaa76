import { isUuid } from '@shop/platform/ids';
import { inArray } from 'drizzle-orm';
import type { Db } from '../context';
import { type UserRow, users } from '../db/schema';

export function findUsersByIds(db: Db, ids: readonly string[]): Promise<UserRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db.select().from(users).where(inArray(users.id, valid));
}
