import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One row per product the warehouse holds. `available` can be sold now; `reserved` is held
 * for orders in progress (reservations move units from one to the other with a conditional
 * update, so two orders cannot both take the last unit). A product without a row has none.
 */
export const stock = pgTable(
  'stock',
  {
    productId: uuid('product_id').primaryKey(),
    // Warehouses know products by SKU. Known for every product inventory has heard of from the
    // catalog; null only for a row setStock made before that (see README, "Inventory").
    sku: text('sku').unique(),
    available: integer('available').notNull().default(0),
    reserved: integer('reserved').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    check('stock_available_not_negative', sql`${table.available} >= 0`),
    check('stock_reserved_not_negative', sql`${table.reserved} >= 0`),
    // The low-stock list: fewest available first, SKU as the unique tie-breaker of its cursor.
    index('stock_low_stock_idx').on(table.available, table.sku).where(sql`${table.sku} is not null`),
  ],
);

export type StockRow = typeof stock.$inferSelect;
