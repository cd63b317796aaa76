import { asc, inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type CategoryRow, categories } from '../db/schema';

// Async on purpose: a Drizzle query runs each time its `then` is called, and Apollo Server
// calls `then` on a resolver's result as well as graphql-js does. A promise runs it once.
export async function listCategories(db: Db): Promise<CategoryRow[]> {
  return await db.select().from(categories).orderBy(asc(categories.name));
}

export function findCategoriesByIds(db: Db, ids: readonly string[]): Promise<CategoryRow[]> {
  return db
    .select()
    .from(categories)
    .where(inArray(categories.id, [...ids]));
}
