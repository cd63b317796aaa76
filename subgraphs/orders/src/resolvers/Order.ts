import type { OrderResolvers } from '../__generated__/resolvers-types';
import { visibleOrder } from '../domain/order-access';
import { statusOf } from '../domain/order-status';

export const Order: OrderResolvers = {
  // The gateway may ask for any order on any caller's behalf: the same check as Query.order.
  __resolveReference: async ({ id }, { caller, loaders }) =>
    visibleOrder(caller, await loaders.orderById.load(id)),
  // The user lives in accounts: return the key and the gateway fetches the rest.
  user: (order) => ({ id: order.userId }),
  lines: async (order, _args, { loaders }) =>
    (await loaders.linesOfOrder.load(order.id)).map((line) => ({ ...line, currency: order.currency })),
  history: (order, _args, { loaders }) => loaders.transitionsOfOrder.load(order.id),
  total: (order) => ({ amount: order.totalAmount, currency: order.currency }),
  status: (order) => statusOf(order.state),
};
