import { defineEvent, eventNamed } from '@shop/platform/events';
import {
  PaymentChargedSchema,
  PaymentDeclinedSchema,
  PaymentRefundedSchema,
} from '@shop/platform/events/contracts/payments';
import { z } from 'zod';

/**
 * The events payments publishes, apart from src/events.ts (which imports the domain that
 * publishes them), so the domain can use them without an import cycle.
 */

/** Minor units and an upper-case ISO-4217 code, as payments stores them. */
export const money = z.object({ amount: z.number().int().min(0), currency: z.string().regex(/^[A-Z]{3}$/) });

// The orders saga moves on when it hears them.

export const paymentCharged = defineEvent({
  ...eventNamed(PaymentChargedSchema),
  payload: z.object({ orderId: z.uuid(), paymentId: z.uuid(), amount: money }),
});

export const paymentDeclined = defineEvent({
  ...eventNamed(PaymentDeclinedSchema),
  payload: z.object({ orderId: z.uuid(), paymentId: z.uuid(), reason: z.string().min(1) }),
});

export const paymentRefunded = defineEvent({
  ...eventNamed(PaymentRefundedSchema),
  payload: z.object({ orderId: z.uuid(), paymentId: z.uuid(), amount: money }),
});

export const publishes = [paymentCharged, paymentDeclined, paymentRefunded];
