import { defineEvent, handleEvent } from '@shop/platform/events';
import type { Logger } from '@shop/platform/logger';
import { z } from 'zod';
import type { Db } from './context';
import { chargeOrder } from './domain/charges';
import type { PaymentProcessor } from './domain/payment-processor';
import { refundOrder } from './domain/refunds';

// Minor units and an upper-case ISO-4217 code, as payments stores them.
const money = z.object({ amount: z.number().int().min(0), currency: z.string().regex(/^[A-Z]{3}$/) });

// What payments publishes (saga-contract.md): the orders saga moves on when it hears them.

export const paymentCharged = defineEvent({
  producer: 'payments',
  type: 'payment.charged',
  version: 1,
  payload: z.object({ orderId: z.uuid(), paymentId: z.uuid(), amount: money }),
});

export const paymentDeclined = defineEvent({
  producer: 'payments',
  type: 'payment.declined',
  version: 1,
  payload: z.object({ orderId: z.uuid(), paymentId: z.uuid(), reason: z.string().min(1) }),
});

export const paymentRefunded = defineEvent({
  producer: 'payments',
  type: 'payment.refunded',
  version: 1,
  payload: z.object({ orderId: z.uuid(), paymentId: z.uuid(), amount: money }),
});

export const publishes = [paymentCharged, paymentDeclined, paymentRefunded];

// What payments reads of the orders saga's requests: only the fields it uses.

export const orderPaymentRequested = defineEvent({
  producer: 'orders',
  type: 'order.payment_requested',
  version: 1,
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    amount: money,
    paymentToken: z.string(),
  }),
});

export const orderCancellationRequested = defineEvent({
  producer: 'orders',
  type: 'order.cancellation_requested',
  version: 1,
  payload: z.object({ orderId: z.uuid() }),
});

/**
 * The handlers, given the processor that charges and refunds. Each runs inside the
 * transaction that records the event in the inbox; the processor's own records are written
 * apart from it, and its idempotency keys make a repeated call after a crash harmless. A
 * transient processor failure throws, so the bus retries with backoff.
 */
export function consumersWith(processor: PaymentProcessor, logger: Logger) {
  return [
    handleEvent(orderPaymentRequested, (tx: Db, request) => chargeOrder(tx, processor, request, logger)),
    handleEvent(orderCancellationRequested, (tx: Db, { orderId }) =>
      refundOrder(tx, processor, orderId, logger),
    ),
  ];
}
