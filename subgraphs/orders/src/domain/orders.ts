import { afterKey } from '@shop/platform/db';
import { isUuid } from '@shop/platform/ids';
import { type Page, type PageArgs, readPageArgs } from '@shop/platform/pagination';
import { asc, count, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../context';
import { type OrderRow, orders } from '../db/schema';

/** Orders are listed by name; the cursor is the last seen one's name and id. */
export type OrderCursor = [string, string];
const cursorSchema: z.ZodType<OrderCursor> = z.tuple([z.string(), z.uuid()]);

export const orderCursor = (row: OrderRow): OrderCursor => [row.name, row.id];

export function readOrderPageArgs(args: PageArgs): Page<OrderCursor> {
  return readPageArgs(args, cursorSchema);
}

export function findOrdersByIds(db: Db, ids: readonly string[]): Promise<OrderRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db.select().from(orders).where(inArray(orders.id, valid));
}

/** One page, plus one row to tell whether another page follows. */
export function listOrders(db: Db, page: Page<OrderCursor>): Promise<OrderRow[]> {
  return db
    .select()
    .from(orders)
    .where(page.after ? afterKey([orders.name, orders.id], page.after, 'asc') : undefined)
    .orderBy(asc(orders.name), asc(orders.id))
    .limit(page.first + 1);
}

export async function countOrders(db: Db): Promise<number> {
  const [row] = await db.select({ total: count() }).from(orders);
  return row?.total ?? 0;
}
