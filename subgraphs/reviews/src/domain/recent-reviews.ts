import { requireScope, Scope } from '@shop/platform/auth';
import { afterKey } from '@shop/platform/db';
import { type Connection, type PageArgs, readPageArgs, toConnection } from '@shop/platform/pagination';
import type { RequestScope } from '@shop/platform/service';
import { count, desc } from 'drizzle-orm';
import type { Tables } from '../db/database';
import { type ReviewRow, reviews } from '../db/schema';
import { reviewCursor, reviewCursorSchema } from './reviews';

/**
 * `recentReviews`: every product's reviews, newest first, for moderators (scope
 * `reviews:moderate`). Keyset pagination over (created_at, id), the index reviews_newest_idx.
 */
export async function listRecentReviews(
  { db, caller }: Pick<RequestScope<Tables>, 'db' | 'caller'>,
  args: PageArgs,
): Promise<Connection<ReviewRow>> {
  requireScope(caller, Scope.REVIEWS_MODERATE, 'moderate reviews');
  const page = readPageArgs(args, reviewCursorSchema);
  const rows = await db
    .select()
    .from(reviews)
    .where(
      page.after
        ? afterKey([reviews.createdAt, reviews.id], [new Date(page.after[0]), page.after[1]], 'desc')
        : undefined,
    )
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(page.first + 1);
  return toConnection(rows, page, reviewCursor, async () => {
    const [total] = await db.select({ total: count() }).from(reviews);
    return total?.total ?? 0;
  });
}
