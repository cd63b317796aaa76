import type { QueryResolvers } from '../../__generated__/resolvers-types';

export const payment: QueryResolvers['payment'] = (_parent, { id }, { loaders }) =>
  loaders.paymentById.load(id);
