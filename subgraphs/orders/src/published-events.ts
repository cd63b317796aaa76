import { defineEvent } from '@shop/platform/events';
import { z } from 'zod';

/**
 * The events the checkout saga writes, with their full payloads (saga-contract.md: inventory,
 * payments and reviews build to these names and fields). Kept apart from src/events.ts, which
 * imports the saga's domain code, so the domain can publish them without an import cycle.
 */
const money = z.object({ amount: z.number().int().min(0), currency: z.string().length(3) });
const quantities = z.array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1) })).min(1);

export const orderPlaced = defineEvent({
  producer: 'orders',
  type: 'order.placed',
  version: 1,
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    lines: z
      .array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1), unitPrice: money }))
      .min(1),
    total: money,
  }),
});

export const orderPaymentRequested = defineEvent({
  producer: 'orders',
  type: 'order.payment_requested',
  version: 1,
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    amount: money,
    paymentToken: z.string().min(1),
  }),
});

export const orderConfirmed = defineEvent({
  producer: 'orders',
  type: 'order.confirmed',
  version: 1,
  payload: z.object({ orderId: z.uuid(), userId: z.uuid(), lines: quantities }),
});

export const FAILURE_REASONS = ['OUT_OF_STOCK', 'PAYMENT_DECLINED'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const orderRejected = defineEvent({
  producer: 'orders',
  type: 'order.rejected',
  version: 1,
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    reason: z.enum(FAILURE_REASONS),
    lines: quantities,
  }),
});

export const orderCancellationRequested = defineEvent({
  producer: 'orders',
  type: 'order.cancellation_requested',
  version: 1,
  payload: z.object({ orderId: z.uuid(), userId: z.uuid() }),
});

export const orderCancelled = defineEvent({
  producer: 'orders',
  type: 'order.cancelled',
  version: 1,
  payload: z.object({ orderId: z.uuid(), userId: z.uuid(), lines: quantities }),
});

export const publishes = [
  orderPlaced,
  orderPaymentRequested,
  orderConfirmed,
  orderRejected,
  orderCancellationRequested,
  orderCancelled,
];
