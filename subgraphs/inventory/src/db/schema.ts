import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// Milliseconds, like every timestamp in this system: what a JavaScript Date holds.
const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * One row per product the warehouse holds. `available` can be sold now; `reserved` is held
 * for orders in progress (reservations move units from one to the other with a conditional
 * update, so two orders cannot both take the last unit); `sold` went out with confirmed
 * orders. available + reserved + sold = the units the warehouse has stocked (setStock sets
 * `available`). A product without a row has none.
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
    sold: integer('sold').notNull().default(0),
    // The `changedAt` of the catalog event the SKU came from: an older event arriving late is ignored.
    catalogChangedAt: at('catalog_changed_at'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [
    check('stock_available_not_negative', sql`${table.available} >= 0`),
    check('stock_reserved_not_negative', sql`${table.reserved} >= 0`),
    check('stock_sold_not_negative', sql`${table.sold} >= 0`),
    // The low-stock list: fewest available first, SKU as the unique tie-breaker of its cursor.
    index('stock_low_stock_idx').on(table.available, table.sku).where(sql`${table.sku} is not null`),
  ],
);

export type StockRow = typeof stock.$inferSelect;

export const RESERVATION_STATUSES = ['RESERVED', 'COMMITTED', 'RELEASED', 'RESTOCKED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/**
 * Units of one product held for one order, and where they went: RESERVED (taken from
 * `available` into `reserved` when the order was placed), then COMMITTED (sold: the order was
 * confirmed) or RELEASED (back to `available`: the order was rejected); COMMITTED, then
 * RESTOCKED (back to `available`: the order was cancelled). Every move is a conditional update
 * on the status, so an event handled twice moves nothing the second time.
 */
export const reservations = pgTable(
  'reservations',
  {
    orderId: uuid('order_id').notNull(),
    productId: uuid('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: RESERVATION_STATUSES }).notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    check('reservations_quantity_positive', sql`${table.quantity} > 0`),
    check(
      'reservations_status_known',
      sql`${table.status} in ('RESERVED', 'COMMITTED', 'RELEASED', 'RESTOCKED')`,
    ),
  ],
);

export type ReservationRow = typeof reservations.$inferSelect;

/**
 * Orders the saga rejected (order.rejected): nothing is ever reserved for them again. The bus
 * keeps no order, so an order.placed queued while inventory was down may come after the
 * rejection (an order timed out waiting for it); without this row it would hold units for ever.
 */
export const rejectedOrders = pgTable('rejected_orders', {
  orderId: uuid('order_id').primaryKey(),
  rejectedAt: at('rejected_at').notNull().defaultNow(),
});

// Inventory hears about products and orders (inbox, dead letters) and tells orders how its
// reservations went (outbox): see src/events.ts.
export { deadLetters, inbox, outbox } from '@shop/platform/events/tables';
