import type { OrderResolvers } from '../__generated__/resolvers-types';
import { visiblePayment } from '../domain/payment-access';

export const Order: OrderResolvers = {
  // Batched over every order of the request: one statement for any number of orders.
  payment: async ({ id }, _args, { loaders, caller }) =>
    visiblePayment(await loaders.paymentOfOrder.load(id), caller),
};
