import { asc, inArray } from 'drizzle-orm';
import type { Db } from '../context';
import { type CategoryRow, categories } from '../db/schema';

export function listCategories(db: Db): Promise<CategoryRow[]> {
  return db.select().from(categories).orderBy(asc(categories.name));
}

export function findCategoriesByIds(db: Db, ids: readonly string[]): Promise<CategoryRow[]> {
  return db
    .select()
    .from(categories)
    .where(inArray(categories.id, [...ids]));
}
