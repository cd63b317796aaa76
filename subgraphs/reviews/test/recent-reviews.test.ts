import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { reviewsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 30, users: 12, reviews: 60 };
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
// A user the seed gave no review, so their review of any product is new.
const shopper: Caller = { userId: seedIds.user(500), role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER };

beforeAll(async () => {
  service = await startTestSubgraph(reviewsSubgraph);
  await seed(service.database.db, plan);
});
afterAll(() => service.stop());

const RECENT = /* GraphQL */ `
  query ($first: Int, $after: String, $filter: RecentReviewsFilter) {
    recentReviews(first: $first, after: $after, filter: $filter) {
      totalCount
      edges { cursor node { id body rating author { id } product { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface RecentPage {
  recentReviews: {
    totalCount: number;
    edges: {
      cursor: string;
      node: { id: string; body: string; rating: number; author: { id: string }; product: { id: string } };
    }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

async function recent(variables: Record<string, unknown>, caller: Caller | null = admin) {
  return service.execute<RecentPage>(RECENT, variables, caller);
}

describe('recentReviews', () => {
  it('lists every product’s reviews newest first, page after page, each once', async () => {
    const rows = await service.database.sql<{ id: string }[]>`
      select id from reviews order by created_at desc, id desc`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result = await recent({ first: 25, after });
      expect(result.errors).toBeUndefined();
      const page = result.data?.recentReviews;
      if (!page) throw new Error('no page');
      expect(page.totalCount).toBe(rows.length);
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(rows.map((row) => row.id));
  });

  it('shows a review just written at the top', async () => {
    const added = await service.execute<{ addReview: { id: string } }>(
      'mutation ($input: AddReviewInput!) { addReview(input: $input) { id } }',
      { input: { productId: seedIds.product(7), rating: 1, body: 'Broke on the first day of use.' } },
      shopper,
    );
    expect(added.errors).toBeUndefined();
    const result = await recent({ first: 1 });
    expect(result.data?.recentReviews.edges[0]?.node).toEqual({
      id: added.data?.addReview.id,
      body: 'Broke on the first day of use.',
      rating: 1,
      author: { id: shopper.userId },
      product: { id: seedIds.product(7) },
    });
  });

  it('narrows the list to the poorly rated reviews, to one product’s, or both, still newest first and page after page', async () => {
    /** Every page of the filtered list, and the totalCount each page reported. */
    const all = async (filter: Record<string, unknown>) => {
      const ids: string[] = [];
      const totals = new Set<number>();
      let after: string | null = null;
      for (;;) {
        const result = await recent({ first: 4, after, filter });
        expect(result.errors).toBeUndefined();
        const page = result.data?.recentReviews;
        if (!page) throw new Error('no page');
        totals.add(page.totalCount);
        ids.push(...page.edges.map((edge) => edge.node.id));
        if (!page.pageInfo.hasNextPage) return { ids, totals: [...totals] };
        after = page.pageInfo.endCursor;
      }
    };
    const poor = await service.database.sql<{ id: string }[]>`
      select id from reviews where rating <= 2 order by created_at desc, id desc`;
    expect(poor.length).toBeGreaterThan(4);
    expect(await all({ maxRating: 2 })).toEqual({ ids: poor.map((row) => row.id), totals: [poor.length] });

    const productId = seedIds.product(7);
    const ofProduct = await service.database.sql<{ id: string; rating: number }[]>`
      select id, rating from reviews where product_id = ${productId} order by created_at desc, id desc`;
    expect(ofProduct.length).toBeGreaterThan(0);
    expect(await all({ productId })).toEqual({
      ids: ofProduct.map((row) => row.id),
      totals: [ofProduct.length],
    });
    const poorOfProduct = ofProduct.filter((row) => row.rating <= 2).map((row) => row.id);
    expect(await all({ productId, maxRating: 2 })).toEqual({
      ids: poorOfProduct,
      totals: [poorOfProduct.length],
    });
    // Unset fields do not filter.
    expect((await recent({ first: 1, filter: {} })).data?.recentReviews.totalCount).toBe(
      (await recent({ first: 1 })).data?.recentReviews.totalCount,
    );
  });

  it('refuses a rating outside 1 to 5 or a malformed product id with BAD_USER_INPUT naming the field', async () => {
    for (const maxRating of [0, 6])
      expect((await recent({ filter: { maxRating } })).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'filter.maxRating',
      });
    expect((await recent({ filter: { productId: 'nope' } })).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'filter.productId',
    });
  });

  it('is for moderators only: a customer is FORBIDDEN, anonymous UNAUTHENTICATED', async () => {
    expect((await recent({}, shopper)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await recent({}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a page over 100 or a forged cursor with BAD_USER_INPUT naming the argument', async () => {
    expect((await recent({ first: 101 })).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect((await recent({ after: 'bm9wZQ' })).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });
});
