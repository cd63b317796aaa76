import { requireCaller } from '@shop/platform/auth';
import { badUserInput, conflict, notFound } from '@shop/platform/errors';
import { isUuid } from '@shop/platform/ids';
import type { RequestScope } from '@shop/platform/service';
import { eq } from 'drizzle-orm';
import type { Tables } from '../db/database';
import { type OrderRow, orders } from '../db/schema';
import { applyTransition } from './checkout-saga';
import { mayManageOrdersOf } from './order-access';

type OrderRequest = Pick<RequestScope<Tables>, 'db' | 'caller'>;

/**
 * `cancelOrder`: a confirmed order starts cancelling (payments refunds it, then it is CANCELLED).
 * Asking again while it cancels, or once it is cancelled, returns it unchanged; an order still
 * being placed, or rejected, cannot be cancelled (CONFLICT).
 */
export async function cancelOrder({ db, caller }: OrderRequest, id: string): Promise<OrderRow> {
  const canceller = requireCaller(caller, 'cancel an order');
  if (!isUuid(id)) throw badUserInput('id', 'id is not an order id.');
  return db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, id));
    // Someone else's order is as unknown as an order that does not exist: ids are not disclosed.
    if (!order || !mayManageOrdersOf(canceller, order.userId)) throw notFound('Order');
    const result = await applyTransition(tx, id, 'cancelOrder', { actorUserId: canceller.userId });
    switch (result.outcome) {
      case 'applied':
      case 'already-past':
        return result.order;
      case 'not-yet':
        throw conflict('This order is still being placed: it can be cancelled once it is confirmed.');
      case 'never':
        throw conflict(`This order was ${result.order.state.toLowerCase()}, so there is nothing to cancel.`);
      case 'missing':
        throw notFound('Order');
      default: {
        const unexpected: never = result;
        throw new Error(`unexpected transition result ${JSON.stringify(unexpected)}`);
      }
    }
  });
}
