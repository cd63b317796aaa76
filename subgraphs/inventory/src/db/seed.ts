import { createRandom, insertInChunks, type Seeder, seedIds, seedProductSku } from '@shop/platform/seed';
import type { Tables } from '../context';
import { stock } from './schema';

/** A stock row for every seeded product: most well stocked, some running low, a few sold out. */
export const seed: Seeder<Tables> = async (db, plan) => {
  const random = createRandom(plan.seed, 'stock');
  const count = plan.categories === 0 ? 0 : plan.products;
  const rows = Array.from({ length: count }, (_, index) => {
    const roll = random.next();
    const available = roll < 0.08 ? 0 : roll < 0.2 ? random.int(1, 5) : random.int(6, 250);
    return { productId: seedIds.product(index), sku: seedProductSku(plan, index), available };
  });
  await insertInChunks(rows, (chunk) => db.insert(stock).values(chunk).onConflictDoNothing());
  return { stock: rows.length };
};
