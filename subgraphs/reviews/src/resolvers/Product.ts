import { toConnection } from '@shop/platform/pagination';
import type { ProductResolvers } from '../__generated__/resolvers-types';
import { readReviewPageArgs } from '../domain/review-pages';
import { reviewCursor } from '../domain/reviews';

export const Product: ProductResolvers = {
  reviews: async ({ id }, args, { loaders }) => {
    const page = readReviewPageArgs(args);
    const rows = await loaders.reviewsOfProduct.load({ parentId: id, page });
    return toConnection(
      rows,
      page,
      reviewCursor,
      async () => (await loaders.ratingSummary.load(id))?.reviewCount ?? 0,
    );
  },
  averageRating: async ({ id }, _args, { loaders }) =>
    (await loaders.ratingSummary.load(id))?.averageRating ?? null,
  reviewCount: async ({ id }, _args, { loaders }) => (await loaders.ratingSummary.load(id))?.reviewCount ?? 0,
};
