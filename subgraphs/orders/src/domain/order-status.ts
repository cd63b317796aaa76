import type { OrderState } from '../db/schema';

/** What clients are promised (schema/api.graphql): the saga's inner states folded into four. */
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

export function statusOf(state: OrderState): OrderStatus {
  switch (state) {
    case 'RESERVING_STOCK':
    case 'CHARGING_PAYMENT':
      return 'PENDING';
    // Cancelling waits for the refund: until it comes, the order still stands.
    case 'CONFIRMED':
    case 'CANCELLING':
      return 'CONFIRMED';
    case 'REJECTED':
      return 'REJECTED';
    case 'CANCELLED':
      return 'CANCELLED';
    default: {
      const unknown: never = state;
      throw new Error(`unknown order state ${String(unknown)}`);
    }
  }
}
