import { requireScope, Scope } from '@shop/platform/auth';
import { badUserInput, notFound } from '@shop/platform/errors';
import { isUuid } from '@shop/platform/ids';
import type { RequestScope } from '@shop/platform/service';
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db, Tables } from '../db/database';
import { type StockRow, stock } from '../db/schema';
import { announceStockFell } from './stock-announcements';

/** What a product's stock is, whether or not the warehouse has a row for it. */
export type StockLevel = Pick<StockRow, 'productId' | 'available' | 'reserved' | 'sold'>;

export const MAX_AVAILABLE = 1_000_000;

/** A product the warehouse has no row for has nothing to sell, nothing reserved and nothing sold. */
export function noStock(productId: string): StockLevel {
  return { productId, available: 0, reserved: 0, sold: 0 };
}

export function findStockOfProducts(db: Db, productIds: readonly string[]): Promise<StockRow[]> {
  const ids = productIds.filter(isUuid);
  if (ids.length === 0) return Promise.resolve([]);
  return db.select().from(stock).where(inArray(stock.productId, ids));
}

/**
 * `setStock`: the warehouse's count of units available to sell, replacing the one before; units
 * reserved for orders are left alone. Only a product the catalog announced (its event gave the
 * row a SKU) can be counted: anything else is NOT_FOUND, never an orphan row.
 */
export async function setAvailable(
  { db, caller }: Pick<RequestScope<Tables>, 'db' | 'caller'>,
  args: { productId: string; available: number },
): Promise<StockRow> {
  requireScope(caller, Scope.INVENTORY_WRITE, 'set stock');
  if (!isUuid(args.productId)) throw badUserInput('productId', 'productId is not a product id.');
  if (!Number.isInteger(args.available) || args.available < 0 || args.available > MAX_AVAILABLE) {
    throw badUserInput('available', `available must be a whole number from 0 to ${MAX_AVAILABLE}.`);
  }
  const [row] = await db
    .update(stock)
    .set({ available: args.available, updatedAt: sql`now()` })
    .where(and(eq(stock.productId, args.productId), isNotNull(stock.sku)))
    .returning();
  if (!row) throw notFound('Product');
  await announceStockFell(db, { productId: row.productId, available: row.available });
  return row;
}

/**
 * product.created / product.updated: the warehouse gets a row for every product of the
 * catalog (nothing available until it is counted) and keeps its SKU. The bus keeps no order,
 * so a change older than the one the row has (`changedAt`) is ignored.
 */
export async function recordCatalogProduct(
  db: Db,
  product: { id: string; sku: string; changedAt: string },
): Promise<void> {
  const changedAt = new Date(product.changedAt);
  await db
    .insert(stock)
    .values({ productId: product.id, sku: product.sku, catalogChangedAt: changedAt })
    .onConflictDoUpdate({
      target: stock.productId,
      set: { sku: product.sku, catalogChangedAt: changedAt, updatedAt: sql`now()` },
      setWhere: sql`${stock.catalogChangedAt} is null or ${stock.catalogChangedAt} < excluded.catalog_changed_at`,
    });
}
