import type { Logger } from '@shop/platform/logger';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { payments, rejectedOrders } from '../db/schema';
import { lockOrder } from './order-lock';
import type { PaymentProcessor } from './payment-processor';
import { refundCharge } from './refunds';

/**
 * order.rejected: the saga gave up on the order (out of stock, declined, or past its checkout
 * deadline). It is remembered, so a request to charge it that comes later charges nothing; and
 * a charge already made for it (the deadline passed while payment.charged was on its way, or
 * while payments was down) is refunded. Nobody is told of that refund: the saga has finished
 * with the order, and the Payment shows REFUNDED.
 */
export async function settleRejectedOrder(
  tx: Db,
  processor: PaymentProcessor,
  orderId: string,
  logger: Logger,
): Promise<void> {
  await lockOrder(tx, orderId);
  await tx.insert(rejectedOrders).values({ orderId }).onConflictDoNothing();
  const [payment] = await tx.select().from(payments).where(eq(payments.orderId, orderId));
  if (payment?.status !== 'CHARGED') return;
  const refunded = await refundCharge(tx, processor, payment);
  logger.warn(
    { orderId, paymentId: refunded.id, amount: refunded.amount },
    'refunded the charge of an order the checkout rejected after charging it',
  );
}

/** Whether the saga has rejected the order (call with the order locked). */
export async function isRejected(tx: Db, orderId: string): Promise<boolean> {
  const [row] = await tx
    .select({ orderId: rejectedOrders.orderId })
    .from(rejectedOrders)
    .where(eq(rejectedOrders.orderId, orderId));
  return row !== undefined;
}
