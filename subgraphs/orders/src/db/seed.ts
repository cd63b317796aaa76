import { demoSeeder, insertInChunks, type Seeder, seedOrders, seedProducts } from '@shop/devkit/seed';
import type { Tables } from './database';
import { catalogProducts, orderLines, orders, orderTransitions } from './schema';

/**
 * The catalog read model from the same seed products the catalog has (so placeOrder knows them
 * from the first start), and the demo's past orders, all CONFIRMED, each with the one transition
 * that says it was seeded. Fixed ids: running it again changes nothing.
 */
export const seed: Seeder<Tables> = async (db, plan) => {
  const products = seedProducts(plan);
  await insertInChunks(
    products.map((product) => ({
      productId: product.id,
      sku: product.sku,
      name: product.name,
      priceAmount: product.priceAmount,
      priceCurrency: product.priceCurrency,
      changedAt: product.createdAt,
    })),
    (chunk) => db.insert(catalogProducts).values(chunk).onConflictDoNothing(),
  );

  const pastOrders = seedOrders(plan, products);
  await insertInChunks(
    pastOrders.map((order) => ({
      id: order.id,
      userId: order.userId,
      state: 'CONFIRMED' as const,
      totalAmount: order.totalAmount,
      currency: order.currency,
      paymentToken: 'tok_ok',
      idempotencyKey: `seed:${order.id}`,
      requestHash: 'seed',
      createdAt: order.createdAt,
      updatedAt: order.createdAt,
    })),
    (chunk) => db.insert(orders).values(chunk).onConflictDoNothing(),
  );
  const lines = pastOrders.flatMap((order) =>
    order.lines.map((line, position) => ({
      orderId: order.id,
      position,
      productId: line.productId,
      productName: products[line.productIndex]?.name ?? '',
      quantity: line.quantity,
      unitPriceAmount: line.unitPriceAmount,
    })),
  );
  await insertInChunks(lines, (chunk) => db.insert(orderLines).values(chunk).onConflictDoNothing());
  await insertInChunks(
    pastOrders.map((order) => ({
      // The order's own id: a seeded order has exactly one transition, and a rerun finds it.
      id: order.id,
      orderId: order.id,
      fromState: null,
      toState: 'CONFIRMED' as const,
      trigger: 'seed',
      occurredAt: order.createdAt,
    })),
    (chunk) => db.insert(orderTransitions).values(chunk).onConflictDoNothing(),
  );
  return {
    catalogProducts: products.length,
    orders: pastOrders.length,
    orderLines: lines.length,
  };
};

export const seeder = demoSeeder(seed);
