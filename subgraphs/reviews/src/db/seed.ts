import {
  createRandom,
  demoSeeder,
  insertInChunks,
  type Seeder,
  type SeedOrder,
  seedIds,
  seedOrders,
} from '@shop/devkit/seed';
import { sql } from 'drizzle-orm';
import type { Tables } from './database';
import { purchaseOrders, purchases, type reviews } from './schema';

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
  // Each product and author is named by many reviews: hash their ids once.
  const productIds = new Map<number, string>();
  const authorIds = new Map<number, string>();
  const idOf = (ids: Map<number, string>, index: number, make: (index: number) => string) => {
    const known = ids.get(index);
    if (known) return known;
    const id = make(index);
    ids.set(index, id);
    return id;
  };
  const addReview = (productId: string, authorId: string) => {
    // Pairs are keyed by id: buyers of seeded orders are known by id, not index.
    const pair = `${productId}:${authorId}`;
    if (seen.has(pair)) return;
    seen.add(pair);
    const index = rows.length;
    rows.push({
      id: seedIds.review(index),
      productId,
      authorId,
      rating: random.pick(RATINGS),
      body: `${random.pick(OPENINGS)} ${random.pick(DETAILS)}`,
      createdAt: new Date(CATALOG_EPOCH + random.int(0, 300 * 24 * 60) * 60_000),
    });
  };
  // Every other past order's buyer reviewed its first product: those reviews are verified purchases.
  const orders = seedOrders(plan);
  for (const [index, order] of orders.entries()) {
    const line = order.lines[0];
    if (rows.length >= target) break;
    if (index % 2 === 0 && line) addReview(line.productId, order.userId);
  }
  while (rows.length < target) {
    // Popular products get more reviews: squaring skews the pick towards low indexes.
    const productIndex = Math.floor(random.next() ** 2 * plan.products);
    const authorIndex = random.int(0, plan.users - 1);
    addReview(idOf(productIds, productIndex, seedIds.product), idOf(authorIds, authorIndex, seedIds.user));
  }
  // A bulk load: the rating summary is computed once from all rows instead of by the insert
  // trigger chunk by chunk (a third of the time at 100,000 reviews). Disabling the trigger locks
  // out other writers until the seed commits, so none can slip past it.
  await db.execute(sql`alter table reviews disable trigger reviews_added_to_ratings`);
  // Each chunk travels as one JSON parameter that Postgres turns back into rows: far less for
  // Drizzle to build and the driver to send than a parameter per value.
  await insertInChunks(
    rows,
    (chunk) =>
      db.execute(sql`
        insert into reviews (id, product_id, author_id, rating, body, created_at)
        select id, "productId", "authorId", rating, body, "createdAt"
        from json_to_recordset(${JSON.stringify(chunk)}::json)
          as r(id uuid, "productId" uuid, "authorId" uuid, rating smallint, body text, "createdAt" timestamptz)
        on conflict do nothing`),
    10_000,
  );
  await db.execute(sql`alter table reviews enable trigger reviews_added_to_ratings`);
  await db.execute(sql`
    insert into product_ratings (product_id, review_count, rating_total)
    select product_id, count(*), sum(rating) from reviews group by product_id
    on conflict (product_id) do update
      set review_count = excluded.review_count, rating_total = excluded.rating_total`);
  const bought = await seedPurchases(db, orders);
  return { reviews: rows.length, purchases: bought };
};

/** Who bought what in the demo's past orders (all confirmed), as order.confirmed would have recorded it. */
async function seedPurchases(
  db: Parameters<Seeder<Tables>>[0],
  orders: readonly SeedOrder[],
): Promise<number> {
  await insertInChunks(orders, (chunk) =>
    db
      .insert(purchaseOrders)
      .values(
        chunk.map((order) => ({ orderId: order.id, userId: order.userId, confirmedAt: order.createdAt })),
      )
      .onConflictDoNothing(),
  );
  const rows = orders.flatMap((order) =>
    order.lines.map((line) => ({ orderId: order.id, productId: line.productId, userId: order.userId })),
  );
  await insertInChunks(rows, (chunk) => db.insert(purchases).values(chunk).onConflictDoNothing());
  return rows.length;
}

export const seeder = demoSeeder(seed);
