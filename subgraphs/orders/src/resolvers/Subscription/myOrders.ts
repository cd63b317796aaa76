import type { SubscriptionResolvers } from '../../__generated__/resolvers-types';
import type { OrderRow } from '../../db/schema';
import { followMyOrders } from '../../domain/order-updates';

export const myOrders: SubscriptionResolvers['myOrders'] = {
  subscribe: (_parent, _args, context) => followMyOrders(context),
  resolve: (order: OrderRow) => order,
};
