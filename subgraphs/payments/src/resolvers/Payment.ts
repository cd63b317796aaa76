import type { PaymentResolvers } from '../__generated__/resolvers-types';

export const Payment: PaymentResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.paymentById.load(id),
};
