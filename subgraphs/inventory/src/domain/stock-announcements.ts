import { notifyOnCommit } from '@shop/platform/db';
import type { Db } from '../db/database';

/** The Postgres channel a fall in a product's available units is announced on: `<product id> <now> [<before>]`. */
export const STOCK_FELL_CHANNEL = 'stock_fell';

/**
 * In the transaction that lowers a product's available units: every replica hears of it once
 * it commits. `before` is unknown when the warehouse sets a count (then any count at or below a
 * threshold is announced).
 */
export function announceStockFell(
  tx: Db,
  change: { productId: string; available: number; before?: number },
): Promise<void> {
  const payload = [
    change.productId,
    change.available,
    ...(change.before === undefined ? [] : [change.before]),
  ];
  return notifyOnCommit(tx, STOCK_FELL_CHANNEL, payload.join(' '));
}
