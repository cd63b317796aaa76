import { useQuery } from '@apollo/client/react';
import { ProductReviewsDocument } from '../../../../schema/__generated__/graphql';

/**
 * The reviews part of a product page, asked for apart from the rest so a reviews outage leaves the
 * product on screen. When the gateway serves @defer this hook becomes a deferred fragment of the
 * product query; its callers do not change.
 */
export function useProductReviews(productId: string) {
  // Not cached: with reviews down the answer is `product: null`, which would overwrite the product
  // the details query holds, and the two queries would refetch each other forever (a spinner).
  return useQuery(ProductReviewsDocument, {
    variables: { id: productId, first: 10 },
    fetchPolicy: 'no-cache',
  });
}
