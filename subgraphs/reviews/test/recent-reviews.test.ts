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
  query ($first: Int, $after: String) {
    recentReviews(first: $first, after: $after) {
      totalCount
      edges { cursor node { id body author { id } product { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface RecentPage {
  recentReviews: {
    totalCount: number;
    edges: {
      cursor: string;
      node: { id: string; body: string; author: { id: string }; product: { id: string } };
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
      author: { id: shopper.userId },
      product: { id: seedIds.product(7) },
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
