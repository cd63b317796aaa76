import { publishEvent } from '@shop/platform/events';
import type { Logger } from '@shop/platform/logger';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type PaymentRow, payments } from '../db/schema';
import { paymentRefunded } from '../published-events';
import { type PaymentProcessor, refundKey } from './payment-processor';

/**
 * Gives back an order's charge once (processor key `refund:<orderId>`), marks the payment
 * REFUNDED and announces it in the same transaction. Asked again, it announces the recorded
 * refund. An order with no charge has nothing to give back: the saga only cancels confirmed
 * (so charged) orders, so that is logged and dropped rather than retried forever.
 */
export async function refundOrder(
  tx: Db,
  processor: PaymentProcessor,
  orderId: string,
  logger: Logger,
): Promise<void> {
  // Locked: a second cancellation request for this order waits, then finds it REFUNDED.
  const [payment] = await tx.select().from(payments).where(eq(payments.orderId, orderId)).for('update');
  if (!payment) {
    logger.warn({ orderId }, 'cancellation requested for an order that was never charged; nothing to refund');
    return;
  }
  switch (payment.status) {
    case 'REFUNDED':
      await announceRefund(tx, payment);
      return;
    case 'DECLINED':
      logger.warn(
        { orderId, paymentId: payment.id },
        'cancellation requested for an order whose charge was declined; nothing to refund',
      );
      return;
    case 'CHARGED':
      break;
    default: {
      const unknown: never = payment.status;
      throw new Error(`unknown payment status ${String(unknown)}`);
    }
  }

  await announceRefund(tx, await refundCharge(tx, processor, payment));
}

/**
 * Gives a CHARGED payment's money back at the processor (key `refund:<orderId>`, so a repeat
 * after a crash refunds once) and marks it REFUNDED; returns it as it is now.
 */
export async function refundCharge(
  tx: Db,
  processor: PaymentProcessor,
  payment: PaymentRow,
): Promise<PaymentRow> {
  const result = await processor.refund({
    idempotencyKey: refundKey(payment.orderId),
    chargeReference: payment.processorReference,
    amount: { amount: payment.amount, currency: payment.currency },
  });
  // Not transient: retrying gets the same answer, so after the bus' attempts it is a dead letter for a person.
  if (result.outcome === 'declined')
    throw new Error(`the processor refused to refund order ${payment.orderId}: ${result.reason}`);

  const now = new Date();
  const [refunded] = await tx
    .update(payments)
    .set({ status: 'REFUNDED', refundedAt: now, updatedAt: now })
    .where(and(eq(payments.id, payment.id), eq(payments.status, 'CHARGED')))
    .returning();
  if (!refunded) throw new Error(`payment ${payment.id} changed while it was being refunded`);
  return refunded;
}

async function announceRefund(tx: Db, payment: PaymentRow): Promise<void> {
  await publishEvent(tx, paymentRefunded, {
    orderId: payment.orderId,
    paymentId: payment.id,
    amount: { amount: payment.amount, currency: payment.currency },
  });
}
