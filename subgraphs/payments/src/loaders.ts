import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './db/database';
import { findPaymentsByIds, findPaymentsOfOrders } from './domain/payments';

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
