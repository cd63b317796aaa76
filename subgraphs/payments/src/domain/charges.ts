import { publishEvent } from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import type { Logger } from '@shop/platform/logger';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type PaymentRow, payments } from '../db/schema';
import { paymentCharged, paymentDeclined } from '../published-events';
import { lockOrder } from './order-lock';
import { chargeKey, type Money, type PaymentProcessor } from './payment-processor';
import { isRejected } from './rejected-orders';

/** What the orders saga asks for (`order.payment_requested`). */
export interface PaymentRequest {
  orderId: string;
  userId: string;
  amount: Money;
  paymentToken: string;
}

/**
 * Charges an order once, however often it is asked: the processor is called with the
 * order's idempotency key (so a redelivery after a crash between that call and this
 * transaction's commit gets the first result back instead of a second charge), the payment
 * row is unique per order, and its outcome event is written in the same transaction as it.
 * An order the saga has rejected already (it timed out while this request waited) is not
 * charged. A transient processor failure propagates: the bus retries the event with backoff.
 */
export async function chargeOrder(
  tx: Db,
  processor: PaymentProcessor,
  request: PaymentRequest,
  logger: Logger,
): Promise<void> {
  await lockOrder(tx, request.orderId);
  if (await isRejected(tx, request.orderId)) {
    logger.warn({ orderId: request.orderId }, 'payment requested for an order already rejected; not charged');
    return;
  }
  const [existing] = await tx.select().from(payments).where(eq(payments.orderId, request.orderId));
  if (existing) {
    // The saga asked again (a new event, not a redelivery): it gets the recorded outcome.
    if (existing.amount !== request.amount.amount || existing.currency !== request.amount.currency)
      logger.warn(
        { orderId: request.orderId, recorded: existing.amount, requested: request.amount },
        'payment requested again with another amount; the recorded charge stands',
      );
    await announceCharge(tx, existing, logger);
    return;
  }

  const result = await processor.charge({
    idempotencyKey: chargeKey(request.orderId),
    token: request.paymentToken,
    amount: request.amount,
  });
  const [payment] = await tx
    .insert(payments)
    .values({
      id: newId(),
      orderId: request.orderId,
      userId: request.userId,
      status: result.outcome === 'succeeded' ? 'CHARGED' : 'DECLINED',
      amount: request.amount.amount,
      currency: request.amount.currency,
      declineReason: result.outcome === 'declined' ? result.reason : null,
      processorReference: result.reference,
    })
    // Another request for this order, handled at the same moment, recorded and announced it.
    .onConflictDoNothing({ target: payments.orderId })
    .returning();
  if (payment) await announceCharge(tx, payment, logger);
}

/** The event that tells the saga how the charge went. */
async function announceCharge(tx: Db, payment: PaymentRow, logger: Logger): Promise<void> {
  switch (payment.status) {
    case 'CHARGED':
      await publishEvent(tx, paymentCharged, {
        orderId: payment.orderId,
        paymentId: payment.id,
        amount: { amount: payment.amount, currency: payment.currency },
      });
      return;
    case 'DECLINED':
      await publishEvent(tx, paymentDeclined, {
        orderId: payment.orderId,
        paymentId: payment.id,
        reason: payment.declineReason ?? 'declined',
      });
      return;
    case 'REFUNDED':
      // The order was charged, confirmed and cancelled since: nothing the saga could still use.
      logger.warn(
        { orderId: payment.orderId, paymentId: payment.id },
        'payment requested for an order already refunded; ignored',
      );
      return;
    default: {
      const unknown: never = payment.status;
      throw new Error(`unknown payment status ${String(unknown)}`);
    }
  }
}
