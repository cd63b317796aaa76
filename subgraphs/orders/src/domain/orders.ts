import { firstPerParent } from '@shop/platform/db';
import { isUuid } from '@shop/platform/ids';
import { type Page, type PageArgs, readPageArgs } from '@shop/platform/pagination';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/database';
import {
  type OrderLineRow,
  type OrderRow,
  type OrderTransitionRow,
  orderLines,
  orders,
  orderTransitions,
} from '../db/schema';

/** A user's orders are listed newest first; the cursor is the last seen order's creation time and id. */
export type OrderCursor = [string, string];
const cursorSchema: z.ZodType<OrderCursor> = z.tuple([z.iso.datetime(), z.uuid()]);

export const orderCursor = (order: OrderRow): OrderCursor => [order.createdAt.toISOString(), order.id];

export function readOrderPageArgs(args: PageArgs): Page<OrderCursor> {
  return readPageArgs(args, cursorSchema);
}

export function findOrdersByIds(db: Db, ids: readonly string[]): Promise<OrderRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db.select().from(orders).where(inArray(orders.id, valid));
}

export async function findOrderByIdempotencyKey(
  db: Db,
  userId: string,
  idempotencyKey: string,
): Promise<OrderRow | null> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, idempotencyKey)));
  return row ?? null;
}

/** The lines of several orders in one statement, each order's in the order the client sent them. */
export function findLinesOfOrders(db: Db, orderIds: readonly string[]): Promise<OrderLineRow[]> {
  const ids = orderIds.filter(isUuid);
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(orderLines)
    .where(inArray(orderLines.orderId, ids))
    .orderBy(asc(orderLines.orderId), asc(orderLines.position));
}

/** The state changes of several orders in one statement, each order's oldest first. */
export function findTransitionsOfOrders(db: Db, orderIds: readonly string[]): Promise<OrderTransitionRow[]> {
  const ids = orderIds.filter(isUuid);
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(orderTransitions)
    .where(inArray(orderTransitions.orderId, ids))
    .orderBy(asc(orderTransitions.occurredAt), asc(orderTransitions.id));
}

/** The same page of several users' order lists in one statement. */
export function listOrdersOfUsers(
  db: Db,
  userIds: readonly string[],
  page: Page<OrderCursor>,
): Promise<OrderRow[]> {
  return firstPerParent(db, {
    table: orders,
    parent: orders.userId,
    parentIds: userIds.filter(isUuid),
    orderBy: [orders.createdAt, orders.id],
    after: page.after && [new Date(page.after[0]), page.after[1]],
    first: page.first,
  });
}

export async function countOrdersOfUsers(
  db: Db,
  userIds: readonly string[],
): Promise<{ userId: string; orderCount: number }[]> {
  const ids = userIds.filter(isUuid);
  if (ids.length === 0) return [];
  return db
    .select({ userId: orders.userId, orderCount: count() })
    .from(orders)
    .where(inArray(orders.userId, ids))
    .groupBy(orders.userId);
}
