import { createBatchLoader, createPageLoader } from '@shop/platform/loaders';
import type { Page } from '@shop/platform/pagination';
import type { Db } from './db/database';
import { findPurchasedPairs, purchaseKey } from './domain/purchases';
import {
  countReviewsOfAuthors,
  findReviewsByIds,
  listReviewsOfAuthors,
  listReviewsOfProducts,
  type ReviewCursor,
  summarizeRatings,
} from './domain/reviews';

export function createLoaders(db: Db) {
  return {
    reviewById: createBatchLoader(
      (ids: readonly string[]) => findReviewsByIds(db, ids),
      (review) => review.id,
    ),
    reviewsOfProduct: createPageLoader(
      (ids, page: Page<ReviewCursor>) => listReviewsOfProducts(db, ids, page),
      (review) => review.productId,
    ),
    reviewsOfAuthor: createPageLoader(
      (ids, page: Page<ReviewCursor>) => listReviewsOfAuthors(db, ids, page),
      (review) => review.authorId,
    ),
    ratingSummary: createBatchLoader(
      (ids: readonly string[]) => summarizeRatings(db, ids),
      (summary) => summary.productId,
    ),
    authorReviewCount: createBatchLoader(
      (ids: readonly string[]) => countReviewsOfAuthors(db, ids),
      (summary) => summary.authorId,
    ),
    /** Keyed by `purchaseKey`: a row when the user bought the product (confirmed, not cancelled). */
    purchase: createBatchLoader(
      (keys: readonly string[]) => findPurchasedPairs(db, keys.map(readPurchaseKey)),
      purchaseKey,
    ),
  };
}

function readPurchaseKey(key: string) {
  const [userId = '', productId = ''] = key.split('/');
  return { userId, productId };
}
