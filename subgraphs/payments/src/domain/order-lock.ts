import { lockUntilCommit } from '@shop/platform/db';
import type { Db } from '../db/database';

/**
 * Charging an order and hearing of its rejection take turns: otherwise each, handled at the same
 * moment, would see "no payment yet" and "not rejected", and a charge would stand for a rejected order.
 */
export function lockOrder(tx: Db, orderId: string): Promise<void> {
  return lockUntilCommit(tx, `order:${orderId}`);
}
