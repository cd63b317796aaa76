import { firstPerParent } from '@shop/platform/db';
import { isUuid } from '@shop/platform/ids';
import type { Page } from '@shop/platform/pagination';
import { count, inArray } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../db/database';
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

/** The same page of several products' or authors' review lists in one statement. */
function listReviewsPerParent(
  db: Db,
  parent: PgColumn,
  parentIds: readonly string[],
  page: Page<ReviewCursor>,
): Promise<ReviewRow[]> {
  return firstPerParent(db, {
    table: reviews,
    parent,
    parentIds: parentIds.filter(isUuid),
    orderBy: [reviews.createdAt, reviews.id],
    after: page.after && [new Date(page.after[0]), page.after[1]],
    first: page.first,
  });
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
