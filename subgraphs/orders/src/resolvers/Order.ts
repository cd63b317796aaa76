import type { OrderResolvers } from '../__generated__/resolvers-types';

export const Order: OrderResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.orderById.load(id),
};
