import { type Caller, hasScope, requireCaller, Scope } from '@shop/platform/auth';
import { forbidden } from '@shop/platform/errors';
import type { OrderRow } from '../db/schema';

/** A user's orders are theirs and their managers' (admins: scope `orders:manage`). */
export function mayManageOrdersOf(caller: Caller, userId: string): boolean {
  return caller.userId === userId || hasScope(caller, Scope.ORDERS_MANAGE);
}

/**
 * An order as `caller` may see it: anonymous callers are UNAUTHENTICATED; someone else's order
 * is null, like an unknown one, so the answer never tells which ids exist. Checked here, not
 * only at the gateway.
 */
export function visibleOrder(caller: Caller | null, order: OrderRow | null): OrderRow | null {
  const viewer = requireCaller(caller, 'see an order');
  return order && mayManageOrdersOf(viewer, order.userId) ? order : null;
}

/** The gate of User.orders: only the user themself or an admin may list a user's orders. */
export function requireOrdersOf(caller: Caller | null, userId: string): Caller {
  const viewer = requireCaller(caller, "see a user's orders");
  if (!mayManageOrdersOf(viewer, userId)) throw forbidden('You can only see your own orders.');
  return viewer;
}
