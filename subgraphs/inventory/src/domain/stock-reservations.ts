import { lockUntilCommit } from '@shop/platform/db';
import { and, asc, eq, gte, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { type ReservationStatus, rejectedOrders, reservations, stock } from '../db/schema';
import { announceStockFell } from './stock-announcements';

/**
 * The warehouse's part of the checkout saga: holding an order's units (order.placed), then
 * selling them (order.confirmed) or giving them back (order.rejected, which also bars the order
 * from reserving later), and taking sold units back (order.cancelled). Each function runs inside the transaction of the event's inbox row
 * and moves units between the stock columns so that available + reserved + sold never changes.
 */

/** The largest count a stock column (a Postgres integer) holds. */
const MAX_UNITS = 2_147_483_647;

export interface OrderLine {
  productId: string;
  quantity: number;
}

export type ReserveOutcome =
  | { kind: 'reserved' }
  | { kind: 'out-of-stock'; productIds: string[] }
  /** The order holds reservations already (the same order placed again): nothing moves. */
  | { kind: 'already-handled' }
  /** The saga rejected the order before this reached inventory (it timed out): nothing is held. */
  | { kind: 'rejected' };

/** Thrown inside the savepoint to undo the lines reserved before a short one. */
class OutOfStock extends Error {
  constructor(readonly productIds: string[]) {
    super(`out of stock: ${productIds.join(', ')}`);
  }
}

/**
 * Reserves every line of an order, or none: lines in product-id order (so two orders holding
 * the same products lock their stock rows in the same order and cannot deadlock), each a
 * conditional update that takes units only if enough are available. When any line is short,
 * the savepoint is rolled back and the short products are named. A product with no stock row
 * has nothing available. A refused order leaves no row: orders publishes order.placed once
 * (one event id, which the inbox remembers) and rejects the order on the refusal. An order
 * already rejected reserves nothing; the order's lock makes a rejection handled at the same
 * moment wait for this, or this for it.
 */
export async function reserveOrder(
  db: Db,
  orderId: string,
  lines: readonly OrderLine[],
): Promise<ReserveOutcome> {
  await lockOrder(db, orderId);
  const [rejected] = await db
    .select({ orderId: rejectedOrders.orderId })
    .from(rejectedOrders)
    .where(eq(rejectedOrders.orderId, orderId));
  if (rejected) return { kind: 'rejected' };
  const [known] = await db
    .select({ productId: reservations.productId })
    .from(reservations)
    .where(eq(reservations.orderId, orderId))
    .limit(1);
  if (known) return { kind: 'already-handled' };
  const wanted = mergeLines(lines);
  try {
    await db.transaction(async (savepoint) => {
      const short: string[] = [];
      for (const { productId, quantity } of wanted) {
        // More than a stock column can hold is more than any product has.
        if (quantity > MAX_UNITS) {
          short.push(productId);
          continue;
        }
        const taken = await savepoint
          .update(stock)
          .set({
            available: sql`${stock.available} - ${quantity}`,
            reserved: sql`${stock.reserved} + ${quantity}`,
            updatedAt: sql`now()`,
          })
          .where(and(eq(stock.productId, productId), gte(stock.available, quantity)))
          .returning({ productId: stock.productId, available: stock.available });
        // Go on through the other lines: the failure names every product that is short.
        const [left] = taken;
        if (!left) short.push(productId);
        else
          await announceStockFell(savepoint, {
            productId,
            available: left.available,
            before: left.available + quantity,
          });
      }
      if (short.length > 0) throw new OutOfStock(short);
      // The primary key (order, product) settles two deliveries of one order racing: the loser
      // fails here, is retried, and then finds the reservations.
      await savepoint
        .insert(reservations)
        .values(wanted.map((line) => ({ orderId, ...line, status: 'RESERVED' as const })));
    });
  } catch (error) {
    if (error instanceof OutOfStock) return { kind: 'out-of-stock', productIds: error.productIds };
    throw error;
  }
  return { kind: 'reserved' };
}

/** order.confirmed: the reserved units are sold. False when nothing was reserved (already committed). */
export function commitOrder(db: Db, orderId: string): Promise<boolean> {
  return moveReservations(db, orderId, 'RESERVED', 'COMMITTED', (quantity) => ({
    reserved: sql`${stock.reserved} - ${quantity}`,
    sold: sql`${stock.sold} + ${quantity}`,
  }));
}

/**
 * order.rejected: the reserved units are available again, and the order is remembered as
 * rejected so a late order.placed reserves nothing. False when nothing was reserved: an order
 * rejected for want of stock holds nothing, one that timed out before inventory heard of it
 * neither, and a repeat finds it released already.
 */
export async function releaseOrder(db: Db, orderId: string): Promise<boolean> {
  await lockOrder(db, orderId);
  await db.insert(rejectedOrders).values({ orderId }).onConflictDoNothing();
  return moveReservations(db, orderId, 'RESERVED', 'RELEASED', (quantity) => ({
    reserved: sql`${stock.reserved} - ${quantity}`,
    available: sql`${stock.available} + ${quantity}`,
  }));
}

/**
 * order.cancelled: the sold units are back on the shelf. False when nothing was sold (restocked
 * already). Only a confirmed order can be cancelled, so reservations still RESERVED mean that
 * order.confirmed has not been handled yet (the bus keeps no order): throw, so this event is
 * retried after it.
 */
export async function restockOrder(db: Db, orderId: string): Promise<boolean> {
  const [pending] = await db
    .select({ productId: reservations.productId })
    .from(reservations)
    .where(and(eq(reservations.orderId, orderId), eq(reservations.status, 'RESERVED')))
    .limit(1);
  if (pending) throw new Error(`order ${orderId} was cancelled before its confirmation reached inventory`);
  return moveReservations(db, orderId, 'COMMITTED', 'RESTOCKED', (quantity) => ({
    sold: sql`${stock.sold} - ${quantity}`,
    available: sql`${stock.available} + ${quantity}`,
  }));
}

/**
 * Moves an order's reservations from one status to the next and their units between stock
 * columns. The status update is conditional, so a repeat finds nothing to move; the stock rows
 * are then updated in product-id order, the order reservations lock them in.
 */
async function moveReservations(
  db: Db,
  orderId: string,
  from: ReservationStatus,
  to: ReservationStatus,
  change: (quantity: number) => Partial<Record<'available' | 'reserved' | 'sold', SQL>>,
): Promise<boolean> {
  const moved = await db
    .update(reservations)
    .set({ status: to, updatedAt: sql`now()` })
    .where(and(eq(reservations.orderId, orderId), eq(reservations.status, from)))
    .returning({ productId: reservations.productId, quantity: reservations.quantity });
  moved.sort(byProductId);
  for (const { productId, quantity } of moved) {
    const updated = await db
      .update(stock)
      .set({ ...change(quantity), updatedAt: sql`now()` })
      .where(eq(stock.productId, productId))
      .returning({ productId: stock.productId });
    if (updated.length === 0)
      throw new Error(`order ${orderId} holds units of ${productId}, which has no stock row`);
  }
  return moved.length > 0;
}

/**
 * Reserving and rejecting one order take turns: otherwise a rejection handled while the order's
 * reservation is still uncommitted would find nothing to release, and the units stay held.
 */
function lockOrder(db: Db, orderId: string): Promise<void> {
  return lockUntilCommit(db, `order:${orderId}`);
}

/** One line per product, in product-id order; two lines of the same product add up. */
function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of lines)
    quantities.set(productId, (quantities.get(productId) ?? 0) + quantity);
  return [...quantities].map(([productId, quantity]) => ({ productId, quantity })).sort(byProductId);
}

/** The order Postgres sorts uuids in (their lower-case hex, byte by byte): the order rows are locked in. */
function byProductId(a: { productId: string }, b: { productId: string }): number {
  const left = a.productId.toLowerCase();
  const right = b.productId.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

/** An order's reservations, for tests and the admin's eye. */
export function reservationsOfOrder(db: Db, orderId: string) {
  return db
    .select()
    .from(reservations)
    .where(eq(reservations.orderId, orderId))
    .orderBy(asc(reservations.productId));
}
