import { sql } from 'drizzle-orm';
import { char, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// Timestamps keep milliseconds, the precision of a JavaScript Date: a cursor holding a
// created_at must compare equal to the stored value, not a microsecond off.
export const categories = pgTable(
  'categories',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    // What the box or mailer products of this category ship in weighs: part of the parcel weight
    // inventory estimates shipping from (Product.packagingGrams, internal to the supergraph).
    packagingGrams: integer('packaging_grams').notNull().default(200),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [check('categories_packaging_not_negative', sql`${table.packagingGrams} >= 0`)],
);

export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey(),
    sku: text('sku').notNull().unique(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    priceAmount: integer('price_amount').notNull(),
    priceCurrency: char('price_currency', { length: 3 }).notNull(),
    weightGrams: integer('weight_grams').notNull(),
    categoryId: uuid('category_id')
      .notNull()
      .references(() => categories.id),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    check('products_price_not_negative', sql`${table.priceAmount} >= 0`),
    check('products_weight_not_negative', sql`${table.weightGrams} >= 0`),
    // One index per list order, each ending in the id tie-breaker the keyset cursors use;
    // ascending indexes serve descending orders too, scanned backwards.
    index('products_newest_idx').on(table.createdAt, table.id),
    index('products_price_idx').on(table.priceAmount, table.id),
    index('products_name_idx').on(table.name, table.id),
    index('products_category_newest_idx').on(table.categoryId, table.createdAt, table.id),
    // Text search: trigrams make `name ILIKE '%word%'` an index lookup instead of a scan of the
    // whole catalog (the pg_trgm extension comes from migration 0001). No fast-update pending
    // list: the catalog is read far more than written, and a pending list both slows searches
    // and makes the planner shun the index until a vacuum merges it.
    index('products_name_trgm_idx').using('gin', table.name.op('gin_trgm_ops')).with({ fastupdate: false }),
  ],
);

export type CategoryRow = typeof categories.$inferSelect;
export type ProductRow = typeof products.$inferSelect;

// Events the catalog publishes, written in the same transaction as the change (see src/events.ts).
export { outbox } from '@shop/platform/events/tables';
