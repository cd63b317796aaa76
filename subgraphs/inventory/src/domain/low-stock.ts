import { type Caller, requireScope, Scope } from '@shop/platform/auth';
import { afterKey } from '@shop/platform/db';
import { badUserInput } from '@shop/platform/errors';
import { type Page, type PageArgs, readPageArgs } from '@shop/platform/pagination';
import { and, asc, count, isNotNull, lte, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/database';
import { type StockRow, stock } from '../db/schema';
import { MAX_AVAILABLE } from './stock';

/** A row of the warehouse's list: only rows whose SKU the warehouse knows (see the schema). */
export type WarehouseRow = StockRow & { sku: string };

/** The list is sorted by units available, then SKU; the cursor is the last row's pair. */
export type LowStockCursor = [number, string];
const cursorSchema: z.ZodType<LowStockCursor> = z.tuple([z.number().int().min(0), z.string().min(1)]);

export interface LowStockQuery {
  atMost: number;
  page: Page<LowStockCursor>;
}

/** Checks the caller (admins only) and the arguments; every mistake is a BAD_USER_INPUT naming it. */
export function readLowStockArgs(caller: Caller | null, args: PageArgs & { atMost: number }): LowStockQuery {
  requireScope(caller, Scope.INVENTORY_WRITE, 'see the low-stock list');
  if (!Number.isInteger(args.atMost) || args.atMost < 0 || args.atMost > MAX_AVAILABLE) {
    throw badUserInput('atMost', `atMost must be a whole number from 0 to ${MAX_AVAILABLE}.`);
  }
  return { atMost: args.atMost, page: readPageArgs(args, cursorSchema) };
}

export function lowStockCursor(row: WarehouseRow): LowStockCursor {
  return [row.available, row.sku];
}

/** One page of the low-stock list, plus one extra row that tells whether another page follows. */
export async function listLowStock(db: Db, { atMost, page }: LowStockQuery): Promise<WarehouseRow[]> {
  const conditions = lowStockConditions(atMost);
  if (page.after) conditions.push(afterKey([stock.available, stock.sku], page.after, 'asc'));
  const rows = await db
    .select()
    .from(stock)
    .where(and(...conditions))
    .orderBy(asc(stock.available), asc(stock.sku))
    .limit(page.first + 1);
  return rows.filter((row): row is WarehouseRow => row.sku !== null);
}

export async function countLowStock(db: Db, atMost: number): Promise<number> {
  const [row] = await db
    .select({ total: count() })
    .from(stock)
    .where(and(...lowStockConditions(atMost)));
  return row?.total ?? 0;
}

function lowStockConditions(atMost: number): SQL[] {
  return [isNotNull(stock.sku), lte(stock.available, atMost)];
}
