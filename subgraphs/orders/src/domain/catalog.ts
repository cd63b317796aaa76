import { isUuid } from '@shop/platform/ids';
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type CatalogProductRow, catalogProducts } from '../db/schema';

/** A product as product.created / product.updated describe it: its full state after a change. */
export interface CatalogProductState {
  id: string;
  sku: string;
  name: string;
  price: { amount: number; currency: string };
  changedAt: string;
}

/**
 * Keeps the read model's row of a product, unless it already holds a newer state: the bus does
 * not keep events in order, so an update may arrive before the creation it follows.
 */
export async function upsertCatalogProduct(db: Db, product: CatalogProductState): Promise<void> {
  const row = {
    productId: product.id,
    sku: product.sku,
    name: product.name,
    priceAmount: product.price.amount,
    priceCurrency: product.price.currency,
    changedAt: new Date(product.changedAt),
  };
  await db
    .insert(catalogProducts)
    .values(row)
    .onConflictDoUpdate({
      target: catalogProducts.productId,
      set: {
        sku: row.sku,
        name: row.name,
        priceAmount: row.priceAmount,
        priceCurrency: row.priceCurrency,
        changedAt: row.changedAt,
      },
      setWhere: sql`${catalogProducts.changedAt} < excluded.changed_at`,
    });
}

export function findCatalogProducts(db: Db, productIds: readonly string[]): Promise<CatalogProductRow[]> {
  const ids = productIds.filter(isUuid);
  if (ids.length === 0) return Promise.resolve([]);
  return db.select().from(catalogProducts).where(inArray(catalogProducts.productId, ids));
}
