import { defineEvent, eventNamed } from '@shop/platform/events';
import {
  OrderCancellationRequestedSchema,
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPaymentRequestedSchema,
  OrderPlacedSchema,
  OrderRejectedSchema,
} from '@shop/platform/events/contracts/orders';
import { z } from 'zod';

/**
 * The events the checkout saga writes, with their full payloads (docs/checkout-and-events.md: inventory,
 * payments and reviews build to these names and fields). Kept apart from src/events.ts, which
 * imports the saga's domain code, so the domain can publish them without an import cycle.
 */
const money = z.object({ amount: z.number().int().min(0), currency: z.string().length(3) });
const quantities = z.array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1) })).min(1);

export const orderPlaced = defineEvent({
  ...eventNamed(OrderPlacedSchema),
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
  ...eventNamed(OrderPaymentRequestedSchema),
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    amount: money,
    paymentToken: z.string().min(1),
  }),
});

export const orderConfirmed = defineEvent({
  ...eventNamed(OrderConfirmedSchema),
  payload: z.object({ orderId: z.uuid(), userId: z.uuid(), lines: quantities }),
});

export const FAILURE_REASONS = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'TIMED_OUT'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const orderRejected = defineEvent({
  ...eventNamed(OrderRejectedSchema),
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    reason: z.enum(FAILURE_REASONS),
    lines: quantities,
  }),
});

export const orderCancellationRequested = defineEvent({
  ...eventNamed(OrderCancellationRequestedSchema),
  payload: z.object({ orderId: z.uuid(), userId: z.uuid() }),
});

export const orderCancelled = defineEvent({
  ...eventNamed(OrderCancelledSchema),
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
