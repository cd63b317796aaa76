import type { PaymentResolvers } from '../__generated__/resolvers-types';
import { visiblePayment } from '../domain/payment-access';

export const Payment: PaymentResolvers = {
  __resolveReference: async ({ id }, { loaders, caller }) =>
    visiblePayment(await loaders.paymentById.load(id), caller),
  amount: (payment) => ({ amount: payment.amount, currency: payment.currency }),
};
