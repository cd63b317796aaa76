import { afterKey } from '@shop/platform/db';
import { isUuid } from '@shop/platform/ids';
import { type Page, type PageArgs, readPageArgs } from '@shop/platform/pagination';
import { asc, count, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../context';
import { type PaymentRow, payments } from '../db/schema';

/** Payments are listed by name; the cursor is the last seen one's name and id. */
export type PaymentCursor = [string, string];
const cursorSchema: z.ZodType<PaymentCursor> = z.tuple([z.string(), z.uuid()]);

export const paymentCursor = (row: PaymentRow): PaymentCursor => [row.name, row.id];

export function readPaymentPageArgs(args: PageArgs): Page<PaymentCursor> {
  return readPageArgs(args, cursorSchema);
}

export function findPaymentsByIds(db: Db, ids: readonly string[]): Promise<PaymentRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return Promise.resolve([]);
  return db.select().from(payments).where(inArray(payments.id, valid));
}

/** One page, plus one row to tell whether another page follows. */
export function listPayments(db: Db, page: Page<PaymentCursor>): Promise<PaymentRow[]> {
  return db
    .select()
    .from(payments)
    .where(page.after ? afterKey([payments.name, payments.id], page.after, 'asc') : undefined)
    .orderBy(asc(payments.name), asc(payments.id))
    .limit(page.first + 1);
}

export async function countPayments(db: Db): Promise<number> {
  const [row] = await db.select({ total: count() }).from(payments);
  return row?.total ?? 0;
}
