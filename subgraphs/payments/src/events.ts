import { defineEvent, eventNamed, handleEvent } from '@shop/platform/events';
import {
  OrderCancellationRequestedSchema,
  OrderPaymentRequestedSchema,
  OrderRejectedSchema,
} from '@shop/platform/events/contracts/orders';
import type { Logger } from '@shop/platform/logger';
import { z } from 'zod';
import type { Db } from './db/database';
import { chargeOrder } from './domain/charges';
import type { PaymentProcessor } from './domain/payment-processor';
import { refundOrder } from './domain/refunds';
import { settleRejectedOrder } from './domain/rejected-orders';

import { money } from './published-events';

export { publishes } from './published-events';

// What payments reads of the orders saga's requests: only the fields it uses.

export const orderPaymentRequested = defineEvent({
  ...eventNamed(OrderPaymentRequestedSchema),
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    amount: money,
    paymentToken: z.string(),
  }),
});

export const orderCancellationRequested = defineEvent({
  ...eventNamed(OrderCancellationRequestedSchema),
  payload: z.object({ orderId: z.uuid() }),
});

export const orderRejected = defineEvent({
  ...eventNamed(OrderRejectedSchema),
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
    handleEvent(orderRejected, (tx: Db, { orderId }) => settleRejectedOrder(tx, processor, orderId, logger)),
  ];
}
