import type { SubscriptionResolvers } from '../../__generated__/resolvers-types';
import type { OrderRow } from '../../db/schema';
import { followOrder } from '../../domain/order-updates';

export const orderUpdated: SubscriptionResolvers['orderUpdated'] = {
  subscribe: (_parent, { id }, context) => followOrder(context, id),
  resolve: (order: OrderRow) => order,
};
