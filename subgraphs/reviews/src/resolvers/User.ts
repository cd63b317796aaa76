import { toConnection } from '@shop/platform/pagination';
import type { UserResolvers } from '../__generated__/resolvers-types';
import { readReviewPageArgs } from '../domain/review-pages';
import { reviewCursor } from '../domain/reviews';

export const User: UserResolvers = {
  reviews: async ({ id }, args, { loaders }) => {
    const page = readReviewPageArgs(args);
    const rows = await loaders.reviewsOfAuthor.load({ parentId: id, page });
    return toConnection(
      rows,
      page,
      reviewCursor,
      async () => (await loaders.authorReviewCount.load(id))?.reviewCount ?? 0,
    );
  },
};
