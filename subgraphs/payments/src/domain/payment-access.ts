import type { Caller } from '@shop/platform/auth';
import { isSelfOrAdmin } from '@shop/platform/auth';
import { forbidden, unauthenticated } from '@shop/platform/errors';
import type { PaymentRow } from '../db/schema';

/**
 * A payment is the order owner's business (and admins'). The orders service already refuses
 * anyone else the order; this is the same rule again here, so a request that reaches payments
 * some other way learns nothing either.
 */
export function visiblePayment(payment: PaymentRow | null, caller: Caller | null): PaymentRow | null {
  if (!payment) return null;
  if (!caller) throw unauthenticated('You must be logged in to see a payment.');
  if (!isSelfOrAdmin(caller, payment.userId))
    throw forbidden('Only the order owner or an admin may see its payment.');
  return payment;
}
