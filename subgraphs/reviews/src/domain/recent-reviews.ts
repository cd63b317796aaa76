import { requireScope, Scope } from '@shop/platform/auth';
import { afterKey } from '@shop/platform/db';
import { badUserInput } from '@shop/platform/errors';
import { isUuid } from '@shop/platform/ids';
import { type Connection, type PageArgs, readPageArgs, toConnection } from '@shop/platform/pagination';
import type { RequestScope } from '@shop/platform/service';
import { and, count, desc, eq, lte, type SQL } from 'drizzle-orm';
import type { Tables } from '../db/database';
import { type ReviewRow, reviews } from '../db/schema';
import { reviewCursor, reviewCursorSchema } from './reviews';

/** What a moderator narrows the list to (`RecentReviewsFilter`); unset fields do not filter. */
export interface RecentReviewsFilter {
  maxRating?: number | null;
  productId?: string | null;
}

/**
 * `recentReviews`: every product's reviews, newest first, for moderators (scope
 * `reviews:moderate`), optionally only the poorly rated ones or one product's. Keyset pagination
 * over (created_at, id): the index reviews_newest_idx, or reviews_product_newest_idx for a product.
 */
export async function listRecentReviews(
  { db, caller }: Pick<RequestScope<Tables>, 'db' | 'caller'>,
  args: PageArgs & { filter?: RecentReviewsFilter | null },
): Promise<Connection<ReviewRow>> {
  requireScope(caller, Scope.REVIEWS_MODERATE, 'moderate reviews');
  const page = readPageArgs(args, reviewCursorSchema);
  const matching = filterCondition(args.filter ?? {});
  const rows = await db
    .select()
    .from(reviews)
    .where(
      and(
        matching,
        page.after
          ? afterKey([reviews.createdAt, reviews.id], [new Date(page.after[0]), page.after[1]], 'desc')
          : undefined,
      ),
    )
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(page.first + 1);
  return toConnection(rows, page, reviewCursor, async () => {
    const [total] = await db.select({ total: count() }).from(reviews).where(matching);
    return total?.total ?? 0;
  });
}

function filterCondition({ maxRating, productId }: RecentReviewsFilter): SQL | undefined {
  if (maxRating != null && (!Number.isInteger(maxRating) || maxRating < 1 || maxRating > 5))
    throw badUserInput('filter.maxRating', 'filter.maxRating must be a whole number of stars from 1 to 5.');
  if (productId != null && !isUuid(productId))
    throw badUserInput('filter.productId', 'filter.productId is not a product id.');
  return and(
    maxRating != null ? lte(reviews.rating, maxRating) : undefined,
    productId != null ? eq(reviews.productId, productId) : undefined,
  );
}
