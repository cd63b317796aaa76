/**
 * What payments needs from a payment provider. Every call carries an idempotency key: the
 * provider performs the operation at most once per key and answers a repeated key with the
 * recorded result, which is what makes "the handler died after the charge but before its
 * commit" harmless (the redelivered event asks again with the same key).
 */
export interface PaymentProcessor {
  /** Takes `amount` with the payment method `token`. Throws `TransientProcessorError` when worth retrying. */
  charge(request: ChargeRequest): Promise<ProcessorResult>;
  /** Gives back `amount` of the charge `chargeReference`. Throws `TransientProcessorError` when worth retrying. */
  refund(request: RefundRequest): Promise<ProcessorResult>;
}

export interface Money {
  amount: number;
  currency: string;
}

export interface ChargeRequest {
  /** `charge:<orderId>`: one charge per order, whoever asks and how often. */
  idempotencyKey: string;
  token: string;
  amount: Money;
}

export interface RefundRequest {
  /** `refund:<orderId>`. */
  idempotencyKey: string;
  chargeReference: string;
  amount: Money;
}

/** A completed operation: done, or refused for good (asking again gets the same answer). */
export type ProcessorResult =
  | { outcome: 'succeeded'; reference: string }
  | { outcome: 'declined'; reference: string; reason: string };

/** The provider could not answer this time (timeout, outage, rate limit): the same request may succeed later. */
export class TransientProcessorError extends Error {
  override readonly name = 'TransientProcessorError';
}

export const chargeKey = (orderId: string) => `charge:${orderId}`;
export const refundKey = (orderId: string) => `refund:${orderId}`;
