import type { ReviewResolvers } from '../__generated__/resolvers-types';
import { purchaseKey } from '../domain/purchases';

export const Review: ReviewResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.reviewById.load(id),
  // Author and product live in other services: return their keys and the gateway fetches the rest.
  author: (review) => ({ id: review.authorId }),
  product: (review) => ({ id: review.productId }),
  // Whether the author bought the product (an order confirmed and not cancelled): batched per request.
  verifiedPurchase: async (review, _args, { loaders }) =>
    (await loaders.purchase.load(purchaseKey({ userId: review.authorId, productId: review.productId }))) !==
    null,
};
