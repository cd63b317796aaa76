import { createRandom, insertInChunks, type Seeder, seedIds } from '@shop/platform/seed';
import type { Tables } from '../context';
import { reviews } from './schema';

const OPENINGS = [
  'Exactly what I hoped for.',
  'Does the job.',
  'Better than expected.',
  'Not quite what I needed.',
  'Great value.',
  'Solid and well made.',
  'Arrived quickly and well packed.',
  'A little disappointing.',
];
const DETAILS = [
  'I use it every day.',
  'The finish is lovely.',
  'Instructions could be clearer.',
  'Would buy again.',
  'Smaller than it looks in the photos.',
  'My family loves it.',
  'It feels sturdy.',
  'Returned the first one, the replacement is perfect.',
];
// Most shoppers who bother to review are happy.
const RATINGS = [5, 5, 5, 4, 4, 4, 3, 2, 1];
const CATALOG_EPOCH = Date.UTC(2026, 0, 1);

export const seed: Seeder<Tables> = async (db, plan) => {
  const random = createRandom(plan.seed, 'reviews');
  // At most one review per user and product: stop early if the plan asks for more pairs than exist.
  const target = Math.min(plan.reviews, plan.products * plan.users);
  const seen = new Set<string>();
  const rows: (typeof reviews.$inferInsert)[] = [];
  while (rows.length < target) {
    // Popular products get more reviews: squaring skews the pick towards low indexes.
    const productIndex = Math.floor(random.next() ** 2 * plan.products);
    const authorIndex = random.int(0, plan.users - 1);
    const pair = `${productIndex}:${authorIndex}`;
    if (seen.has(pair)) continue;
    seen.add(pair);
    const index = rows.length;
    rows.push({
      id: seedIds.review(index),
      productId: seedIds.product(productIndex),
      authorId: seedIds.user(authorIndex),
      rating: random.pick(RATINGS),
      body: `${random.pick(OPENINGS)} ${random.pick(DETAILS)}`,
      createdAt: new Date(CATALOG_EPOCH + random.int(0, 300 * 24 * 60) * 60_000),
    });
  }
  await insertInChunks(rows, (chunk) => db.insert(reviews).values(chunk).onConflictDoNothing());
  return { reviews: rows.length };
};
