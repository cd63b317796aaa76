import type { OrderLineResolvers } from '../__generated__/resolvers-types';

export const OrderLine: OrderLineResolvers = {
  product: (line) => ({ id: line.productId }),
  unitPrice: (line) => ({ amount: line.unitPriceAmount, currency: line.currency }),
  lineTotal: (line) => ({ amount: line.unitPriceAmount * line.quantity, currency: line.currency }),
};
