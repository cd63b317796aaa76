import { type Caller, requireScope, Scope } from '@shop/platform/auth';
import type { ChangeNotifications } from '@shop/platform/db';
import { badUserInput, ErrorCode, ShopError } from '@shop/platform/errors';
import { pushedStream } from '@shop/platform/pushed-stream';
import { MAX_AVAILABLE } from './stock';
import { STOCK_FELL_CHANNEL } from './stock-announcements';

/** Alerts a slow subscriber may have waiting before its subscription is ended. */
const MAX_WAITING_ALERTS = 100;

/**
 * `Subscription.lowStock`: the id of each product whose available units fall to `atMost` or
 * below, from above it, whichever replica made the change. Admins only.
 */
export async function followLowStock(
  { caller, changes }: { caller: Caller | null; changes: ChangeNotifications },
  atMost: number,
): Promise<AsyncIterableIterator<{ id: string }>> {
  requireScope(caller, Scope.INVENTORY_WRITE, 'follow low stock');
  if (!Number.isInteger(atMost) || atMost < 0 || atMost > MAX_AVAILABLE)
    throw badUserInput('atMost', `atMost must be a whole number from 0 to ${MAX_AVAILABLE}.`);
  let stopListening = () => {};
  const stream = pushedStream<{ id: string }>({
    limit: MAX_WAITING_ALERTS,
    overflow: () =>
      new ShopError(
        ErrorCode.SUBSCRIPTION_ENDED,
        'The subscription ended: its events were not read fast enough. Subscribe again.',
      ),
    onClose: () => stopListening(),
  });
  stopListening = await changes.listen(STOCK_FELL_CHANNEL, {
    change: (payload) => {
      const [productId, now, before] = payload.split(' ');
      if (productId === undefined || now === undefined) return;
      const crossed = Number(now) <= atMost && (before === undefined || Number(before) > atMost);
      if (crossed) stream.push({ id: productId });
    },
    // Falls missed while the connection was down are not replayed: the lowStock query lists them.
    resync: () => {},
  });
  return stream;
}
