import { afterKey } from '@shop/platform/db';
import { isUuid } from '@shop/platform/ids';
import type { Page } from '@shop/platform/pagination';
import { and, count, desc, getTableColumns, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../context';
import { productRatings, type ReviewRow, reviews } from '../db/schema';

/** Reviews are listed newest first; the cursor is the last seen review's creation time and id. */
export type ReviewCursor = [string, string];
export const reviewCursorSchema: z.ZodType<ReviewCursor> = z.tuple([z.iso.datetime(), z.uuid()]);

export function reviewCursor(review: ReviewRow): ReviewCursor {
  return [review.createdAt.toISOString(), review.id];
}

export function findReviewsByIds(db: Db, ids: readonly string[]): Promise<ReviewRow[]> {
  return db
    .select()
    .from(reviews)
    .where(inArray(reviews.id, ids.filter(isUuid)));
}

export const listReviewsOfProducts = (db: Db, productIds: readonly string[], page: Page<ReviewCursor>) =>
  listReviewsPerParent(db, reviews.productId, productIds, page);

export const listReviewsOfAuthors = (db: Db, authorIds: readonly string[], page: Page<ReviewCursor>) =>
  listReviewsPerParent(db, reviews.authorId, authorIds, page);

/**
 * The same page of several parents' review lists in one statement: rows are numbered per
 * parent in list order and the first `first + 1` of each kept.
 */
async function listReviewsPerParent(
  db: Db,
  parent: PgColumn,
  parentIds: readonly string[],
  page: Page<ReviewCursor>,
): Promise<ReviewRow[]> {
  const ids = parentIds.filter(isUuid);
  if (ids.length === 0) return [];
  const conditions: SQL[] = [inArray(parent, ids)];
  if (page.after) {
    const [createdAt, id] = page.after;
    conditions.push(afterKey([reviews.createdAt, reviews.id], [new Date(createdAt), id], 'desc'));
  }
  const ranked = db.$with('ranked').as(
    db
      .select({
        ...getTableColumns(reviews),
        position:
          sql<number>`row_number() over (partition by ${parent} order by ${reviews.createdAt} desc, ${reviews.id} desc)`.as(
            'position',
          ),
      })
      .from(reviews)
      .where(and(...conditions)),
  );
  const rows = await db
    .with(ranked)
    .select()
    .from(ranked)
    .where(lte(ranked.position, page.first + 1))
    .orderBy(desc(ranked.createdAt), desc(ranked.id));
  return rows.map(({ position: _position, ...review }) => review);
}

export interface RatingSummary {
  productId: string;
  reviewCount: number;
  averageRating: number | null;
}

/**
 * Count and mean rating per product, read from product_ratings, which triggers keep in step
 * with the reviews in the same statement (see db/schema.ts): one indexed read per page.
 */
export async function summarizeRatings(db: Db, productIds: readonly string[]): Promise<RatingSummary[]> {
  const ids = productIds.filter(isUuid);
  if (ids.length === 0) return [];
  const rows = await db.select().from(productRatings).where(inArray(productRatings.productId, ids));
  return rows.map((row) => ({
    productId: row.productId,
    reviewCount: row.reviewCount,
    averageRating: row.reviewCount === 0 ? null : row.ratingTotal / row.reviewCount,
  }));
}

export async function countReviewsOfAuthors(
  db: Db,
  authorIds: readonly string[],
): Promise<{ authorId: string; reviewCount: number }[]> {
  const ids = authorIds.filter(isUuid);
  if (ids.length === 0) return [];
  return db
    .select({ authorId: reviews.authorId, reviewCount: count() })
    .from(reviews)
    .where(inArray(reviews.authorId, ids))
    .groupBy(reviews.authorId);
}
