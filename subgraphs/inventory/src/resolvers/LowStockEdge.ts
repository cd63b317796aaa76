import type { LowStockEdgeResolvers } from '../__generated__/resolvers-types';

export const LowStockEdge: LowStockEdgeResolvers = {
  // The stock row knows the product's SKU: the schema @provides it, so the gateway asks no one else.
  node: ({ node }) => ({ id: node.productId, sku: node.sku }),
};
