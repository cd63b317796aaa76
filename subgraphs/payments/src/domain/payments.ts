import { isUuid } from '@shop/platform/ids';
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type PaymentRow, payments } from '../db/schema';

export function findPaymentsByIds(db: Db, ids: readonly string[]): Promise<PaymentRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db.select().from(payments).where(inArray(payments.id, valid));
}

/** At most one payment per order (unique order_id). */
export function findPaymentsOfOrders(db: Db, orderIds: readonly string[]): Promise<PaymentRow[]> {
  const valid = orderIds.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db.select().from(payments).where(inArray(payments.orderId, valid));
}
