import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../src/test-stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ seed: DEMO_SEED_PLAN });
});
afterAll(() => stack?.stop());

const STOREFRONT = /* GraphQL */ `
  query Storefront($first: Int) {
    products(first: $first) {
      totalCount
      edges { node { name sku price { amount currency } reviews(first: 3) { edges { node { rating body author { name } } } } } }
    }
  }
`;

interface Storefront {
  products: {
    totalCount: number;
    edges: {
      node: {
        name: string;
        sku: string;
        price: { amount: number; currency: string };
        reviews: { edges: { node: { rating: number; body: string; author: { name: string } } }[] };
      };
    }[];
  };
}

describe('one query across three subgraphs', () => {
  it('returns seeded products with their reviews and each review author name', async () => {
    const { status, body } = await stack.graphql<Storefront>(STOREFRONT, { first: 5 });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const products = body.data?.products;
    expect(products?.totalCount).toBe(DEMO_SEED_PLAN.products);
    expect(products?.edges).toHaveLength(5);
    const reviews = products?.edges.flatMap(({ node }) => node.reviews.edges) ?? [];
    expect(reviews.length).toBeGreaterThan(0);
    for (const { node } of reviews) {
      expect(node.author.name).toMatch(/\S/);
      expect(node.rating).toBeGreaterThanOrEqual(1);
    }
  });

  it('costs every subgraph the same number of SQL statements for 5 products as for 50', async () => {
    const cost = async (first: number) => {
      const services = ['accounts', 'products', 'reviews'];
      const before = await Promise.all(services.map((service) => stack.queryCount(service)));
      const { body } = await stack.graphql<Storefront>(STOREFRONT, { first });
      expect(body.errors).toBeUndefined();
      expect(body.data?.products.edges).toHaveLength(first);
      const after = await Promise.all(services.map((service) => stack.queryCount(service)));
      return Object.fromEntries(
        services.map((service, index) => [service, (after[index] ?? 0) - (before[index] ?? 0)]),
      );
    };
    const five = await cost(5);
    const fifty = await cost(50);
    expect(fifty).toEqual(five);
    // And it is small: a handful per subgraph, not one per product or review.
    for (const statements of Object.values(five)) expect(statements).toBeLessThanOrEqual(3);
  });
});

describe('bad input through the gateway', () => {
  it('products(first: 1000) is BAD_USER_INPUT naming first', async () => {
    const { body } = await stack.graphql('{ products(first: 1000) { totalCount } }');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('a malformed after cursor is BAD_USER_INPUT naming after', async () => {
    const { body } = await stack.graphql('{ products(after: "bm90IGEgY3Vyc29y") { totalCount } }');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('an unknown product id is null, not an error', async () => {
    const { body } = await stack.graphql(
      `{ product(id: "${seedIds.product(123_456)}") { name reviewCount } }`,
    );
    expect(body).toEqual({ data: { product: null } });
  });

  it('a product found by sku carries data from the reviews subgraph too', async () => {
    const { body } = await stack.graphql<{ product: { sku: string; reviewCount: number } }>(
      '{ product(sku: "KIT-000001") { sku reviewCount averageRating } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.product.sku).toBe('KIT-000001');
    expect(body.data?.product.reviewCount).toBeGreaterThan(0);
  });
});

describe('the gateway process', () => {
  it('answers /health and /ready', async () => {
    const base = stack.gatewayUrl.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });
});
