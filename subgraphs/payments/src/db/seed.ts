import { demoSeeder, insertInChunks, type Seeder, seedOrders } from '@shop/devkit/seed';
import { nameBasedId } from '@shop/platform/ids';
import { chargeKey } from '../domain/payment-processor';
import { TEST_TOKENS } from '../domain/test-processor';
import type { Tables } from './database';
import { payments, processorOperations } from './schema';

/**
 * A CHARGED payment for every past order of the plan (all CONFIRMED in orders), and the test
 * processor's record of that charge, so a cancellation of a seeded order refunds it like any
 * other. Fixed ids: every start and every machine gets the same rows.
 */
export const seed: Seeder<Tables> = async (db, plan) => {
  const orders = seedOrders(plan);
  const charges = orders.map((order) => ({
    idempotencyKey: chargeKey(order.id),
    kind: 'charge' as const,
    reference: nameBasedId(`seed:processor-charge:${order.id}`),
    token: TEST_TOKENS.ok,
    amount: order.totalAmount,
    currency: order.currency,
    attempts: 1,
    outcome: 'succeeded' as const,
    createdAt: order.createdAt,
    completedAt: order.createdAt,
  }));
  const rows = orders.map((order) => ({
    id: nameBasedId(`seed:payment:${order.id}`),
    orderId: order.id,
    userId: order.userId,
    status: 'CHARGED' as const,
    amount: order.totalAmount,
    currency: order.currency,
    processorReference: nameBasedId(`seed:processor-charge:${order.id}`),
    createdAt: order.createdAt,
    updatedAt: order.createdAt,
  }));
  await insertInChunks(charges, (chunk) =>
    db.insert(processorOperations).values(chunk).onConflictDoNothing(),
  );
  await insertInChunks(rows, (chunk) => db.insert(payments).values(chunk).onConflictDoNothing());
  return { payments: rows.length, processorOperations: charges.length };
};

export const seeder = demoSeeder(seed);
