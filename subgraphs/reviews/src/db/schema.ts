import { sql } from 'drizzle-orm';
import { check, index, pgTable, smallint, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

export const reviews = pgTable(
  'reviews',
  {
    id: uuid('id').primaryKey(),
    productId: uuid('product_id').notNull(),
    authorId: uuid('author_id').notNull(),
    rating: smallint('rating').notNull(),
    body: text('body').notNull(),
    // Milliseconds, like a JavaScript Date, so cursors holding it compare exactly.
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    check('reviews_rating_range', sql`${table.rating} between 1 and 5`),
    unique('reviews_one_per_author_and_product').on(table.authorId, table.productId),
    index('reviews_product_newest_idx').on(table.productId, table.createdAt, table.id),
    index('reviews_author_newest_idx').on(table.authorId, table.createdAt, table.id),
  ],
);

export type ReviewRow = typeof reviews.$inferSelect;
