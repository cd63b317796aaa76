import { DEMO_SEED_PLAN, seedIds, seedOrders } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { reviewsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 30, users: 12, reviews: 200 };

beforeAll(async () => {
  service = await startTestSubgraph(reviewsSubgraph);
  await seed(service.database.db, plan);
});
afterAll(() => service.stop());

interface ReviewPage {
  totalCount: number;
  edges: {
    cursor: string;
    node: {
      id: string;
      rating: number;
      createdAt: string;
      verifiedPurchase: boolean;
      author: { id: string };
      product: { id: string };
    };
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface ProductEntity {
  id: string;
  averageRating: number | null;
  reviewCount: number;
  reviews: ReviewPage;
}

const PRODUCT_REVIEWS = /* GraphQL */ `
  query ($representations: [_Any!]!, $first: Int, $after: String) {
    _entities(representations: $representations) {
      ... on Product {
        id averageRating reviewCount
        reviews(first: $first, after: $after) {
          totalCount
          edges { cursor node { id rating createdAt verifiedPurchase author { id } product { id } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

const products = (indexes: number[]) =>
  indexes.map((index) => ({ __typename: 'Product', id: seedIds.product(index) }));

async function productReviews(indexes: number[], variables: Record<string, unknown> = {}) {
  const result = await service.execute<{ _entities: ProductEntity[] }>(PRODUCT_REVIEWS, {
    representations: products(indexes),
    ...variables,
  });
  expect(result.errors).toBeUndefined();
  return result.data?._entities ?? [];
}

describe('reviews of a product', () => {
  it('gives each product its own reviews, newest first, with count and average from the same rows', async () => {
    const rows = await service.database.sql<
      { product_id: string; rating: number }[]
    >`select product_id, rating from reviews`;
    const entities = await productReviews([0, 1, 2, 29], { first: 3 });
    for (const entity of entities) {
      const own = rows.filter((row) => row.product_id === entity.id);
      expect(entity.reviewCount).toBe(own.length);
      expect(entity.reviews.totalCount).toBe(own.length);
      const mean = own.length === 0 ? null : own.reduce((sum, row) => sum + row.rating, 0) / own.length;
      if (mean === null) expect(entity.averageRating).toBeNull();
      else expect(entity.averageRating).toBeCloseTo(mean, 6);
      expect(entity.reviews.edges.length).toBe(Math.min(3, own.length));
      for (const { node } of entity.reviews.edges) expect(node.product.id).toBe(entity.id);
      const times = entity.reviews.edges.map(({ node }) => node.createdAt);
      expect(times).toEqual([...times].sort().reverse());
    }
  });

  it('pages through all reviews of a product without gaps or repeats', async () => {
    const [popular] = await productReviews([0], { first: 100 });
    const all = popular?.reviews.edges.map(({ node }) => node.id) ?? [];
    expect(all.length).toBeGreaterThan(4);
    const paged: string[] = [];
    let after: string | null = null;
    while (true) {
      const [entity] = await productReviews([0], { first: 3, after });
      paged.push(...(entity?.reviews.edges.map(({ node }) => node.id) ?? []));
      if (!entity?.reviews.pageInfo.hasNextPage) break;
      after = entity.reviews.pageInfo.endCursor;
    }
    expect(paged).toEqual(all);
  });

  it('answers a product with no reviews with an empty page, not an error', async () => {
    const [entity] = await productReviews([5000]);
    expect(entity).toMatchObject({
      reviewCount: 0,
      averageRating: null,
      reviews: { totalCount: 0, edges: [] },
    });
  });

  it('costs the same SQL for 5 products as for 30', async () => {
    const cost = async (count: number) => {
      const before = await service.queryCount();
      await productReviews(
        Array.from({ length: count }, (_, index) => index),
        { first: 3 },
      );
      return (await service.queryCount()) - before;
    };
    expect(await cost(30)).toBe(await cost(5));
  });

  it('rejects a page size over 100 and a malformed cursor, naming the argument', async () => {
    for (const [variables, field] of [
      [{ first: 101 }, 'first'],
      [{ after: 'garbage' }, 'after'],
    ] as const) {
      const result = await service.execute(PRODUCT_REVIEWS, { representations: products([0]), ...variables });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('verifiedPurchase', () => {
  it('marks the seeded reviews whose author bought the product in a past order, and only those', async () => {
    const bought = new Set(
      seedOrders(plan).flatMap((order) => order.lines.map((line) => `${order.userId}/${line.productId}`)),
    );
    const rows = await service.database.sql<{ id: string; author_id: string; product_id: string }[]>`
      select id, author_id, product_id from reviews`;
    const result = await service.execute<{ _entities: { id: string; verifiedPurchase: boolean }[] }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Review { id verifiedPurchase } } }`,
      { representations: rows.map((row) => ({ __typename: 'Review', id: row.id })) },
    );
    expect(result.errors).toBeUndefined();
    const verified = new Map(result.data?._entities.map((review) => [review.id, review.verifiedPurchase]));
    for (const row of rows)
      expect(verified.get(row.id)).toBe(bought.has(`${row.author_id}/${row.product_id}`));
    // The seed has buyers review what they bought, so a demo shows verified reviews.
    expect([...verified.values()].filter(Boolean).length).toBeGreaterThan(0);
  });

  it('costs one statement however many reviews a page shows', async () => {
    const without = PRODUCT_REVIEWS.replace('verifiedPurchase', '');
    const cost = async (query: string, count: number) => {
      const before = await service.queryCount();
      const result = await service.execute(query, {
        representations: products(Array.from({ length: count }, (_, index) => index)),
        first: 10,
      });
      expect(result.errors).toBeUndefined();
      return (await service.queryCount()) - before;
    };
    // Once unmeasured: a connection the pool opens costs a statement of its own (postgres.js reads the types).
    await cost(PRODUCT_REVIEWS, 30);
    expect(await cost(PRODUCT_REVIEWS, 30)).toBe((await cost(without, 30)) + 1);
    expect(await cost(PRODUCT_REVIEWS, 3)).toBe((await cost(without, 3)) + 1);
  });
});

describe('reviews of a user', () => {
  it('lists what a user wrote, with the total', async () => {
    const result = await service.execute<{ _entities: { reviews: ReviewPage }[] }>(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on User { reviews(first: 100) { totalCount edges { node { id author { id } } } } } } }`,
      { representations: [{ __typename: 'User', id: seedIds.user(0) }] },
    );
    const [user] = result.data?._entities ?? [];
    const [row] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from reviews where author_id = ${seedIds.user(0)}`;
    expect(user?.reviews.totalCount).toBe(row?.count);
    expect(user?.reviews.edges.length).toBe(row?.count);
    for (const { node } of user?.reviews.edges ?? []) expect(node.author.id).toBe(seedIds.user(0));
  });
});

describe('a review', () => {
  it('is found by id, as a query and as an entity; an unknown id is null', async () => {
    const id = seedIds.review(0);
    const result = await service.execute<{
      review: { id: string };
      missing: null;
      _entities: ({ id: string } | null)[];
    }>(
      `query ($representations: [_Any!]!) {
        review(id: "${id}") { id }
        missing: review(id: "${seedIds.review(999_999)}") { id }
        _entities(representations: $representations) { ... on Review { id } }
      }`,
      {
        representations: [
          { __typename: 'Review', id },
          { __typename: 'Review', id: 'not-a-uuid' },
        ],
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ review: { id }, missing: null, _entities: [{ id }, null] });
  });
});
