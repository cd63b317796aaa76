import {
  createRandom,
  demoSeeder,
  insertInChunks,
  type Seeder,
  seedIds,
  seedOrders,
  seedProductSku,
} from '@shop/devkit/seed';
import { sql } from 'drizzle-orm';
import type { Tables } from './database';
import { reservations, stock } from './schema';

/**
 * A stock row for every seeded product: most well stocked, some running low, a few sold out.
 * The units of the demo's past orders (all confirmed) count as sold, each order holding
 * COMMITTED reservations for them, so cancelling one puts its units back on the shelf.
 */
export const seed: Seeder<Tables> = async (db, plan) => {
  const random = createRandom(plan.seed, 'stock');
  const count = plan.categories === 0 ? 0 : plan.products;
  const reservationRows = seedOrders(plan).flatMap((order) =>
    order.lines.map((line) => ({
      orderId: order.id,
      productId: line.productId,
      quantity: line.quantity,
      status: 'COMMITTED' as const,
      createdAt: order.createdAt,
      updatedAt: order.createdAt,
    })),
  );
  // Only reservations this run adds count as sold: seeding again changes nothing.
  const soldByProduct = new Map<string, number>();
  let addedReservations = 0;
  await insertInChunks(reservationRows, async (chunk) => {
    const added = await db
      .insert(reservations)
      .values(chunk)
      .onConflictDoNothing()
      .returning({ productId: reservations.productId, quantity: reservations.quantity });
    addedReservations += added.length;
    for (const { productId, quantity } of added)
      soldByProduct.set(productId, (soldByProduct.get(productId) ?? 0) + quantity);
  });
  const rows = Array.from({ length: count }, (_, index) => {
    const roll = random.next();
    const available = roll < 0.08 ? 0 : roll < 0.2 ? random.int(1, 5) : random.int(6, 250);
    const productId = seedIds.product(index);
    return {
      productId,
      sku: seedProductSku(plan, index),
      available,
      sold: soldByProduct.get(productId) ?? 0,
    };
  });
  await insertInChunks(rows, (chunk) =>
    db
      .insert(stock)
      .values(chunk)
      .onConflictDoUpdate({
        target: stock.productId,
        // A row seeded before: it keeps its count and gains the units of the orders added now.
        set: { sold: sql`${stock.sold} + excluded.sold` },
        setWhere: sql`excluded.sold > 0`,
      }),
  );
  return { stock: rows.length, reservations: addedReservations };
};

export const seeder = demoSeeder(seed);
