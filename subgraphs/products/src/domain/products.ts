import { afterKey } from '@shop/platform/db';
import { and, asc, count, desc, eq, gte, ilike, inArray, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type ProductRow, products } from '../db/schema';
import type { ProductListFilter, ProductListQuery, ProductOrder } from './product-list';

export function findProductsByIds(db: Db, ids: readonly string[]): Promise<ProductRow[]> {
  return db
    .select()
    .from(products)
    .where(inArray(products.id, [...ids]));
}

export function findProductsBySkus(db: Db, skus: readonly string[]): Promise<ProductRow[]> {
  return db
    .select()
    .from(products)
    .where(inArray(products.sku, [...skus]));
}

const sortKeys = {
  NEWEST: { columns: [products.createdAt, products.id], direction: 'desc' },
  PRICE_ASC: { columns: [products.priceAmount, products.id], direction: 'asc' },
  PRICE_DESC: { columns: [products.priceAmount, products.id], direction: 'desc' },
  NAME: { columns: [products.name, products.id], direction: 'asc' },
} as const satisfies Record<ProductOrder, unknown>;

/** One page of the catalog, plus one extra row that tells whether another page follows. */
export function listProducts(db: Db, query: ProductListQuery): Promise<ProductRow[]> {
  return productListStatement(db, query);
}

/** The statement `listProducts` runs, unexecuted: tests read its plan with EXPLAIN. */
export function productListStatement(db: Db, { filter, order, page }: ProductListQuery) {
  const { columns, direction } = sortKeys[order];
  const conditions = filterConditions(filter);
  if (page.after) {
    const [key, id] = page.after;
    conditions.push(afterKey([...columns], [order === 'NEWEST' ? new Date(key) : key, id], direction));
  }
  const by = direction === 'asc' ? asc : desc;
  return db
    .select()
    .from(products)
    .where(and(...conditions))
    .orderBy(...columns.map((column) => by(column)))
    .limit(page.first + 1);
}

export async function countProducts(db: Db, filter: ProductListFilter): Promise<number> {
  const [row] = await db
    .select({ total: count() })
    .from(products)
    .where(and(...filterConditions(filter)));
  return row?.total ?? 0;
}

function filterConditions(filter: ProductListFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.categoryId != null) conditions.push(eq(products.categoryId, filter.categoryId));
  // ILIKE '%word%' is what the trigram index (products_name_trgm_idx) serves.
  for (const word of filter.searchWords) conditions.push(ilike(products.name, `%${escapeLike(word)}%`));
  if (filter.minPrice != null) conditions.push(gte(products.priceAmount, filter.minPrice));
  if (filter.maxPrice != null) conditions.push(lte(products.priceAmount, filter.maxPrice));
  return conditions;
}

/** A word matched literally: `%`, `_` and the escape character itself lose their LIKE meaning. */
function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (character) => `\\${character}`);
}
