import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

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
    // recentReviews: the moderators' list of every review, newest first.
    index('reviews_newest_idx').on(table.createdAt, table.id),
  ],
);

export type ReviewRow = typeof reviews.$inferSelect;

/**
 * Each product's review count and rating total, so averageRating and reviewCount are one
 * primary-key read instead of an aggregate over every review. Kept by triggers on `reviews`
 * (migration 0002) in the same statement as the change: concurrent reviews of one product
 * take turns on its row, and no write path can forget it.
 */
export const productRatings = pgTable(
  'product_ratings',
  {
    productId: uuid('product_id').primaryKey(),
    reviewCount: integer('review_count').notNull(),
    ratingTotal: integer('rating_total').notNull(),
  },
  (table) => [
    check('product_ratings_count_not_negative', sql`${table.reviewCount} >= 0`),
    check(
      'product_ratings_total_in_range',
      sql`${table.ratingTotal} between ${table.reviewCount} and 5 * ${table.reviewCount}`,
    ),
  ],
);

export type ProductRatingsRow = typeof productRatings.$inferSelect;

/**
 * Who bought what, fed by the orders service's events (reviews never reads its database): a
 * row per product of each confirmed order, deleted when the order is cancelled. A review is a
 * verified purchase when its author has a row for its product.
 */
export const purchases = pgTable(
  'purchases',
  {
    orderId: uuid('order_id').notNull(),
    productId: uuid('product_id').notNull(),
    userId: uuid('user_id').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    index('purchases_user_product_idx').on(table.userId, table.productId),
  ],
);

/**
 * Every order reviews has heard of, confirmed or cancelled. The bus keeps no order, so an
 * order.cancelled may overtake its order.confirmed: the row it leaves (`cancelledAt`) makes
 * the late confirmation a no-op. Both handlers write this row first, so two events of one
 * order take turns on it.
 */
export const purchaseOrders = pgTable('purchase_orders', {
  orderId: uuid('order_id').primaryKey(),
  userId: uuid('user_id').notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true, precision: 3 }),
  cancelledAt: timestamp('cancelled_at', { withTimezone: true, precision: 3 }),
});

// Reviews hears about orders (see src/events.ts): its inbox and dead letters.
export { deadLetters, inbox } from '@shop/platform/events/tables';
