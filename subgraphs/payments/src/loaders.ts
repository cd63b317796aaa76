import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './context';
import { findPaymentsByIds, findPaymentsOfOrders } from './domain/payments';

export type Loaders = ReturnType<typeof createLoaders>;

/** Made fresh for every request, so nothing cached leaks from one caller to another. */
export function createLoaders(db: Db) {
  return {
    paymentById: createBatchLoader(
      (ids: readonly string[]) => findPaymentsByIds(db, ids),
      (payment) => payment.id,
    ),
    paymentOfOrder: createBatchLoader(
      (orderIds: readonly string[]) => findPaymentsOfOrders(db, orderIds),
      (payment) => payment.orderId,
    ),
  };
}
