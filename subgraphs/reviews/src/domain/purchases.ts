import { isUuid } from '@shop/platform/ids';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { purchaseOrders, purchases } from '../db/schema';

export interface ConfirmedOrder {
  orderId: string;
  userId: string;
  productIds: readonly string[];
}

/**
 * order.confirmed: the buyer has bought each product of the order. Nothing happens for an
 * order heard of before: a repeat, or one whose cancellation overtook its confirmation.
 */
export async function recordPurchases(db: Db, order: ConfirmedOrder): Promise<void> {
  const [first] = await db
    .insert(purchaseOrders)
    .values({ orderId: order.orderId, userId: order.userId, confirmedAt: sql`now()` })
    .onConflictDoNothing()
    .returning({ orderId: purchaseOrders.orderId });
  if (!first) return;
  const productIds = [...new Set(order.productIds)];
  await db
    .insert(purchases)
    .values(productIds.map((productId) => ({ orderId: order.orderId, productId, userId: order.userId })))
    .onConflictDoNothing();
}

/** order.cancelled: the order's purchases no longer count; a confirmation arriving later is ignored. */
export async function forgetPurchases(db: Db, order: { orderId: string; userId: string }): Promise<void> {
  await db
    .insert(purchaseOrders)
    .values({ orderId: order.orderId, userId: order.userId, cancelledAt: sql`now()` })
    .onConflictDoUpdate({
      target: purchaseOrders.orderId,
      set: { cancelledAt: sql`coalesce(${purchaseOrders.cancelledAt}, now())` },
    });
  await db.delete(purchases).where(eq(purchases.orderId, order.orderId));
}

/** A review's author and product: whether that author bought that product is what `verifiedPurchase` asks. */
export interface PurchaseKey {
  userId: string;
  productId: string;
}

/** Which of these (user, product) pairs are purchases of confirmed orders not cancelled: one statement for all. */
export async function findPurchasedPairs(db: Db, keys: readonly PurchaseKey[]): Promise<PurchaseKey[]> {
  const pairs = keys.filter((key) => isUuid(key.userId) && isUuid(key.productId));
  if (pairs.length === 0) return [];
  return db
    .selectDistinct({ userId: purchases.userId, productId: purchases.productId })
    .from(purchases)
    .where(
      sql`(${purchases.userId}, ${purchases.productId}) in (
        select "userId", "productId" from json_to_recordset(${JSON.stringify(pairs)}::json)
          as wanted("userId" uuid, "productId" uuid))`,
    );
}

export const purchaseKey = ({ userId, productId }: PurchaseKey) => `${userId}/${productId}`;
