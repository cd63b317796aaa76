import { type Caller, requireCaller } from '@shop/platform/auth';
import type { ChangeNotifications } from '@shop/platform/db';
import { ErrorCode, notFound, ShopError } from '@shop/platform/errors';
import { isUuid } from '@shop/platform/ids';
import { pushedStream } from '@shop/platform/pushed-stream';
import { eq, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/database';
import { type OrderRow, orders } from '../db/schema';
import { mayManageOrdersOf } from './order-access';

/** The Postgres channel every change of an order's state is announced on: `<order id> <user id>`. */
export const ORDER_CHANGES_CHANNEL = 'orders_changed';

/** Events a slow subscriber may have waiting before its subscription is ended. */
const MAX_WAITING_EVENTS = 100;

/**
 * The notification of a change of an order's state, as an SQL expression to select in the
 * transaction that makes it: every replica hears of it once (and only if) it commits (Postgres
 * NOTIFY is transactional), so no committed change is missed.
 */
export function orderChangeNotification(orderId: SQL | AnyPgColumn, userId: string): SQL {
  return sql`pg_notify(${ORDER_CHANGES_CHANNEL}, ${orderId}::text || ' ' || ${userId}::text)`;
}

interface Follower {
  db: Db;
  caller: Caller | null;
  changes: ChangeNotifications;
}

const isFinal = (order: OrderRow) => order.state === 'REJECTED' || order.state === 'CANCELLED';

/**
 * `Subscription.orderUpdated`: the order as it is now, then the order after each change of its
 * state, whichever replica made it; ends after a final state nothing follows (REJECTED,
 * CANCELLED). Its owner or an admin only; anyone else is told, as for an unknown id, that
 * there is no such order.
 */
export async function followOrder(
  { db, caller, changes }: Follower,
  id: string,
): Promise<AsyncIterableIterator<OrderRow>> {
  const viewer = requireCaller(caller, 'follow an order');
  let stopListening = () => {};
  const stream = pushedStream<OrderRow>({
    limit: MAX_WAITING_EVENTS,
    overflow: () => tooSlow(),
    onClose: () => stopListening(),
  });
  let lastSent = '';
  let reading = Promise.resolve();
  // Reads one after another, so a slow read never sends an older state after a newer one.
  const readAndSend = () => {
    reading = reading.then(async () => {
      if (stream.closed) return;
      try {
        const order = await findVisibleOrder(db, viewer, id);
        if (!order) return stream.fail(notFound('Order'));
        const version = `${order.state} ${order.updatedAt.toISOString()}`;
        if (version === lastSent) return;
        lastSent = version;
        stream.push(order);
        if (isFinal(order)) stream.end();
      } catch (error) {
        stream.fail(error as Error);
      }
    });
    return reading;
  };
  if (!isUuid(id)) throw notFound('Order');
  // Listening first: a change committed between the first read and the LISTEN is not missed.
  stopListening = await changes.listen(ORDER_CHANGES_CHANNEL, {
    change: (payload) => {
      if (payload.startsWith(`${id} `)) void readAndSend();
    },
    resync: () => void readAndSend(),
  });
  const first = await findVisibleOrder(db, viewer, id).catch((error: unknown) => {
    stopListening();
    throw error;
  });
  if (!first) {
    stopListening();
    throw notFound('Order');
  }
  lastSent = `${first.state} ${first.updatedAt.toISOString()}`;
  stream.push(first);
  if (isFinal(first)) stream.end();
  return stream;
}

/**
 * `Subscription.myOrders`: each of the caller's orders whenever its state changes, from the
 * moment of subscribing (use `order(id)` or `orderUpdated` for where one stands now).
 */
export async function followMyOrders({
  db,
  caller,
  changes,
}: Follower): Promise<AsyncIterableIterator<OrderRow>> {
  const viewer = requireCaller(caller, 'follow your orders');
  let stopListening = () => {};
  const stream = pushedStream<OrderRow>({
    limit: MAX_WAITING_EVENTS,
    overflow: () => tooSlow(),
    onClose: () => stopListening(),
  });
  let reading = Promise.resolve();
  stopListening = await changes.listen(ORDER_CHANGES_CHANNEL, {
    change: (payload) => {
      const [orderId, userId] = payload.split(' ');
      if (userId !== viewer.userId || orderId === undefined) return;
      reading = reading.then(async () => {
        if (stream.closed) return;
        try {
          const order = await findVisibleOrder(db, viewer, orderId);
          if (order) stream.push(order);
        } catch (error) {
          stream.fail(error as Error);
        }
      });
    },
    // Nothing to read again: a myOrders subscriber asks for the orders' current state itself.
    resync: () => {},
  });
  return stream;
}

async function findVisibleOrder(db: Db, viewer: Caller, id: string): Promise<OrderRow | null> {
  const [order] = await db.select().from(orders).where(eq(orders.id, id));
  return order && mayManageOrdersOf(viewer, order.userId) ? order : null;
}

function tooSlow(): ShopError {
  return new ShopError(
    ErrorCode.SUBSCRIPTION_ENDED,
    'The subscription ended: its events were not read fast enough. Subscribe again for the current state.',
  );
}
