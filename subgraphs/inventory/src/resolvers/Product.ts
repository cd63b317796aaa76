import type { ProductResolvers } from '../__generated__/resolvers-types';
import { estimateShipping } from '../domain/shipping';
import { noStock } from '../domain/stock';

export const Product: ProductResolvers = {
  // The catalog decides whether a product exists; inventory answers for any id it is asked about.
  __resolveReference: (reference) => reference,
  sku: (product) => {
    // Only reachable where this subgraph @provides the SKU (the low-stock list).
    if (product.sku === undefined) throw new Error(`the SKU of product ${product.id} was not provided`);
    return product.sku;
  },
  stock: async ({ id }, _args, { loaders }) => (await loaders.stockByProductId.load(id)) ?? noStock(id),
  inStock: async ({ id }, _args, { loaders }) =>
    ((await loaders.stockByProductId.load(id))?.available ?? 0) > 0,
  shippingEstimate: ({ id, price, weightGrams, packagingGrams }) => {
    // The gateway sends these through @requires; a request without them did not come from a plan.
    if (price === undefined || weightGrams === undefined || packagingGrams === undefined)
      throw new Error(
        `shippingEstimate of product ${id} asked without price, weightGrams and packagingGrams`,
      );
    return estimateShipping(price, weightGrams, packagingGrams);
  },
};
