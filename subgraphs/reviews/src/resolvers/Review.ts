import type { ReviewResolvers } from '../__generated__/resolvers-types';

export const Review: ReviewResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.reviewById.load(id),
  // Author and product live in other services: return their keys and the gateway fetches the rest.
  author: (review) => ({ id: review.authorId }),
  product: (review) => ({ id: review.productId }),
};
