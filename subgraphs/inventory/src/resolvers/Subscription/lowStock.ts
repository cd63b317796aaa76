import type { SubscriptionResolvers } from '../../__generated__/resolvers-types';
import { followLowStock } from '../../domain/low-stock-alerts';
import type { ProductMapper } from '../../mappers';

export const lowStock: SubscriptionResolvers['lowStock'] = {
  subscribe: (_parent, { atMost }, context) => followLowStock(context, atMost ?? 5),
  resolve: (product: ProductMapper) => product,
};
