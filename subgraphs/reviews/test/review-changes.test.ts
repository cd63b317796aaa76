import { clientOperation } from '@shop/devkit/operations';
import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { reviewsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 30, users: 12, reviews: 150 };
const shopper = (index: number): Caller => ({
  userId: seedIds.user(index),
  role: 'CUSTOMER',
  scopes: ROLE_SCOPES.CUSTOMER,
});
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };

beforeAll(async () => {
  service = await startTestSubgraph(reviewsSubgraph);
  await seed(service.database.db, plan);
});
afterAll(() => service.stop());

const ADD = /* GraphQL */ `
  mutation ($input: AddReviewInput!) {
    addReview(input: $input) { id rating body author { id } product { id averageRating reviewCount } }
  }
`;
const DELETE = /* GraphQL */ `
  mutation ($id: ID!) { deleteReview(id: $id) { deletedReviewId product { id averageRating reviewCount } } }
`;

interface Added {
  addReview: {
    id: string;
    rating: number;
    body: string;
    author: { id: string };
    product: { id: string; averageRating: number | null; reviewCount: number };
  };
}

/** The truth, from the rows themselves. */
async function ratingOf(productId: string) {
  const [row] = await service.database.sql<{ count: number; average: number | null }[]>`
    select count(*)::int as count, avg(rating)::float8 as average from reviews where product_id = ${productId}`;
  return { reviewCount: row?.count ?? 0, averageRating: row?.average ?? null };
}

async function summaryOf(productId: string) {
  const result = await service.execute<{
    _entities: { averageRating: number | null; reviewCount: number }[];
  }>(
    `query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Product { averageRating reviewCount } } }`,
    { representations: [{ __typename: 'Product', id: productId }] },
  );
  expect(result.errors).toBeUndefined();
  return result.data?._entities[0];
}

const reviewRows = () => service.database.sql`select * from reviews order by id`;
const ratingRows = () => service.database.sql`select * from product_ratings order by product_id`;

describe('addReview', () => {
  it('adds a review by the caller, and the product rating includes it at once', async () => {
    const productId = seedIds.product(200);
    const result = await service.execute<Added>(
      ADD,
      { input: { productId, rating: 4, body: '  Sturdy and handsome.  ' } },
      shopper(3),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.addReview).toMatchObject({
      rating: 4,
      body: 'Sturdy and handsome.',
      author: { id: seedIds.user(3) },
      product: { id: productId, averageRating: 4, reviewCount: 1 },
    });
    const second = await service.execute<Added>(
      ADD,
      { input: { productId, rating: 1, body: 'Broke after a week.' } },
      shopper(4),
    );
    expect(second.data?.addReview.product).toEqual({ id: productId, averageRating: 2.5, reviewCount: 2 });
  });

  it('allows one review per user and product: a second is CONFLICT and changes nothing', async () => {
    const productId = seedIds.product(200);
    const before = [await reviewRows(), await ratingRows()];
    const result = await service.execute(
      ADD,
      { input: { productId, rating: 5, body: 'Changed my mind, it is great.' } },
      shopper(3),
    );
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'input.productId' });
    expect([await reviewRows(), await ratingRows()]).toEqual(before);
  });

  it.each([
    [{ rating: 0 }, 'input.rating'],
    [{ rating: 6 }, 'input.rating'],
    [{ body: 'Too short' }, 'input.body'],
    [{ body: '          ' }, 'input.body'],
    [{ body: 'x'.repeat(2001) }, 'input.body'],
    [{ productId: 'garden-rake' }, 'input.productId'],
  ])('refuses %j with BAD_USER_INPUT naming %s, and writes nothing', async (overrides, field) => {
    const before = [await reviewRows(), await ratingRows()];
    const input = {
      productId: seedIds.product(201),
      rating: 3,
      body: 'A perfectly fine body.',
      ...overrides,
    };
    const result = await service.execute(ADD, { input }, shopper(5));
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect([await reviewRows(), await ratingRows()]).toEqual(before);
  });

  it('needs a logged-in caller', async () => {
    const result = await service.execute(ADD, {
      input: { productId: seedIds.product(201), rating: 3, body: 'Anonymous opinion here.' },
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps count and average right when many shoppers review at once', async () => {
    const productId = seedIds.product(202);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        service.execute(
          ADD,
          { input: { productId, rating: (index % 5) + 1, body: `Concurrent review number ${index}.` } },
          shopper(100 + index),
        ),
      ),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(await summaryOf(productId)).toEqual(await ratingOf(productId));
    expect((await summaryOf(productId))?.reviewCount).toBe(40);
  });

  it('lets only one of the same shopper’s simultaneous reviews of a product through', async () => {
    const productId = seedIds.product(203);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        service.execute(
          ADD,
          { input: { productId, rating: 5, body: 'Pressed the button twice.' } },
          shopper(7),
        ),
      ),
    );
    expect(results.filter((result) => !result.errors)).toHaveLength(1);
    expect(await summaryOf(productId)).toEqual({ reviewCount: 1, averageRating: 5 });
  });
});

describe('deleteReview', () => {
  async function addedBy(caller: Caller, productIndex: number, rating = 2) {
    const result = await service.execute<Added>(
      ADD,
      { input: { productId: seedIds.product(productIndex), rating, body: 'To be deleted later on.' } },
      caller,
    );
    expect(result.errors).toBeUndefined();
    return result.data?.addReview.id as string;
  }

  it('deletes your own review and gives the product rating without it', async () => {
    const productId = seedIds.product(210);
    await addedBy(shopper(1), 210, 5);
    const id = await addedBy(shopper(2), 210, 1);
    const result = await service.execute(DELETE, { id }, shopper(2));
    expect(result).toEqual({
      data: {
        deleteReview: { deletedReviewId: id, product: { id: productId, averageRating: 5, reviewCount: 1 } },
      },
    });
    expect((await service.execute(`{ review(id: "${id}") { id } }`)).data).toEqual({ review: null });
  });

  it('refuses to delete someone else’s review, unless the caller moderates', async () => {
    const id = await addedBy(shopper(1), 211);
    const before = [await reviewRows(), await ratingRows()];
    const result = await service.execute(DELETE, { id }, shopper(2));
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect([await reviewRows(), await ratingRows()]).toEqual(before);
    const moderated = await service.execute(DELETE, { id }, admin);
    expect(moderated.errors).toBeUndefined();
    expect(await summaryOf(seedIds.product(211))).toEqual({ reviewCount: 0, averageRating: null });
  });

  it('answers NOT_FOUND for a review that does not exist, BAD_USER_INPUT for an id that cannot be one', async () => {
    expect(
      (await service.execute(DELETE, { id: seedIds.review(999_999) }, admin)).errors?.[0]?.extensions,
    ).toEqual({ code: 'NOT_FOUND' });
    expect((await service.execute(DELETE, { id: 'nope' }, admin)).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'id',
    });
  });

  it('needs a logged-in caller', async () => {
    const result = await service.execute(DELETE, { id: seedIds.review(0) });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps count and average right when reviews are added and deleted at once', async () => {
    const productId = seedIds.product(212);
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, index) => addedBy(shopper(300 + index), 212)),
    );
    await Promise.all([
      ...ids.slice(0, 10).map((id, index) => service.execute(DELETE, { id }, shopper(300 + index))),
      ...Array.from({ length: 10 }, (_, index) => addedBy(shopper(400 + index), 212, 5)),
    ]);
    expect(await summaryOf(productId)).toEqual(await ratingOf(productId));
    expect((await summaryOf(productId))?.reviewCount).toBe(20);
  });
});

describe('the rating summary', () => {
  it('matches the reviews of every product after all of the above', async () => {
    const mismatches = await service.database.sql`
      select coalesce(r.product_id, s.product_id) as product_id
      from (select product_id, count(*)::int as n, sum(rating)::int as total from reviews group by product_id) r
      full join product_ratings s on s.product_id = r.product_id
      where coalesce(r.n, 0) <> coalesce(s.review_count, 0) or coalesce(r.total, 0) <> coalesce(s.rating_total, 0)`;
    expect(mismatches).toEqual([]);
  });

  it('costs one statement for 5 products as for 30', async () => {
    const cost = async (count: number) => {
      const before = await service.queryCount();
      const result = await service.execute(
        `query ($representations: [_Any!]!) {
          _entities(representations: $representations) { ... on Product { averageRating reviewCount } } }`,
        {
          representations: Array.from({ length: count }, (_, index) => ({
            __typename: 'Product',
            id: seedIds.product(index),
          })),
        },
      );
      expect(result.errors).toBeUndefined();
      return (await service.queryCount()) - before;
    };
    expect(await cost(30)).toBe(1);
    expect(await cost(5)).toBe(1);
  });
});

describe('the storefront’s review operations, run as a shopper', () => {
  it('AddReview then DeleteReview', async () => {
    const productId = seedIds.product(220);
    const added = await service.execute<Added>(
      clientOperation('AddReview'),
      { input: { productId, rating: 5, body: 'Written through the operation.' } },
      shopper(9),
    );
    expect(added.errors).toBeUndefined();
    expect(added.data?.addReview.product).toEqual({ id: productId, averageRating: 5, reviewCount: 1 });
    const deleted = await service.execute(
      clientOperation('DeleteReview'),
      { id: added.data?.addReview.id },
      shopper(9),
    );
    expect(deleted.errors).toBeUndefined();
    expect(await summaryOf(productId)).toEqual({ reviewCount: 0, averageRating: null });
  });
});
