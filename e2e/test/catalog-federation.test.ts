import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { clientOperation } from '@shop/devkit/operations';
import { type SeedPlan, seedIds, seedProductSku } from '@shop/devkit/seed';
import { print } from 'graphql';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchesPerSubgraph, fetchNodes, measureCost, queryPlanOf, runOperation } from '../src/operations';
import { startTestStack, type TestStack } from '../src/test-stack';

const PLAN: SeedPlan = { seed: 3, categories: 12, products: 60, users: 20, reviews: 300, orders: 0 };

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ seed: PLAN });
});
afterAll(() => stack?.stop());

interface Money {
  amount: number;
  currency: string;
}

/** The gateway's answer, and the plan its planner makes for the query. */
async function withPlan<TData>(query: string, variables: Record<string, unknown> = {}) {
  const { body } = await stack.graphql<TData>(query, variables);
  expect(body.errors).toBeUndefined();
  return { data: body.data, plan: queryPlanOf(query) };
}

describe('Product has two keys: id and SKU', () => {
  it('a product asked for by SKU gets its stock and reviews, which the other subgraphs key by id', async () => {
    const sku = seedProductSku(PLAN, 0);
    const { data, plan } = await withPlan<{
      product: { id: string; sku: string; stock: { available: number }; reviewCount: number };
    }>(`query { product(sku: "${sku}") { id sku stock { available } reviewCount } }`);
    expect(data?.product).toMatchObject({ id: seedIds.product(0), sku });
    expect(data?.product.reviewCount).toBeGreaterThan(0);
    expect(fetchesPerSubgraph(plan)).toEqual({ products: 1, inventory: 1, reviews: 1 });
  });
});

describe('Money and PageInfo are shareable value types', () => {
  it('come from whichever subgraph resolves the field, in the same shape', async () => {
    const { data, plan } = await withPlan<{
      products: {
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: {
          node: {
            price: Money;
            shippingEstimate: Money;
            reviews: { pageInfo: { hasNextPage: boolean; endCursor: string | null } };
          };
        }[];
      };
    }>(`query {
      products(first: 3) {
        pageInfo { hasNextPage endCursor }
        edges { node {
          price { amount currency }
          shippingEstimate { amount currency }
          reviews(first: 1) { pageInfo { hasNextPage endCursor } }
        } }
      }
    }`);
    expect(data?.products.pageInfo.hasNextPage).toBe(true);
    for (const { node } of data?.products.edges ?? []) {
      expect(node.price).toEqual({ amount: expect.any(Number), currency: 'USD' });
      expect(node.shippingEstimate).toEqual({ amount: expect.any(Number), currency: 'USD' });
      expect(typeof node.reviews.pageInfo.hasNextPage).toBe('boolean');
    }
    // Money from products and inventory, PageInfo from products and reviews.
    expect(fetchesPerSubgraph(plan)).toEqual({ products: 1, inventory: 1, reviews: 1 });
  });
});

describe('shippingEstimate: inventory requires price, weight and packaging from products', () => {
  /** The rule of the README's Inventory section, written out independently of inventory's code. */
  const expected = ({ amount, currency }: Money, weightGrams: number, packagingGrams: number): Money => {
    const parcel = weightGrams + packagingGrams;
    if (parcel > 30_000) return { amount: 2499 + Math.ceil((parcel - 30_000) / 1000) * 100, currency };
    if (amount >= 5000) return { amount: 0, currency };
    const band = parcel <= 500 ? 499 : parcel <= 2000 ? 799 : parcel <= 10_000 ? 1299 : 2499;
    return { amount: band, currency };
  };

  it('is the documented rule applied to every product of a page, and the plan hands inventory what it requires', async () => {
    const products = postgres(stack.databaseUrls.get('products') as string, { max: 1 });
    try {
      const packaging = new Map(
        (
          await products<{ id: string; packaging_grams: number }[]>`
            select p.id, c.packaging_grams from products p join categories c on c.id = p.category_id`
        ).map((row) => [row.id, row.packaging_grams]),
      );
      const { data, plan } = await withPlan<{
        products: {
          edges: { node: { id: string; price: Money; weightGrams: number; shippingEstimate: Money } }[];
        };
      }>(
        'query { products(first: 60) { edges { node { id price { amount currency } weightGrams shippingEstimate { amount currency } } } } }',
      );
      const nodes = data?.products.edges.map(({ node }) => node) ?? [];
      expect(nodes).toHaveLength(60);
      for (const node of nodes)
        expect(node.shippingEstimate, node.id).toEqual(
          expected(node.price, node.weightGrams, packaging.get(node.id) ?? Number.NaN),
        );
      // Both kinds of estimate occur in the seeded catalog.
      expect(nodes.some((node) => node.shippingEstimate.amount === 0)).toBe(true);
      expect(nodes.some((node) => node.shippingEstimate.amount > 0)).toBe(true);
      const inventoryFetch = fetchNodes(plan).find((node) => node.serviceName === 'inventory');
      const requires = JSON.stringify(inventoryFetch?.requires);
      for (const field of ['price', 'amount', 'currency', 'weightGrams', 'packagingGrams'])
        expect(requires).toContain(`"${field}"`);
    } finally {
      await products.end();
    }
  });
});

describe('packagingGrams is @inaccessible: in the supergraph, not in the API', () => {
  it('cannot be queried by a client', async () => {
    const { body } = await stack.graphql(`{ product(id: "${seedIds.product(0)}") { packagingGrams } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toContain('packagingGrams');
  });

  it('is not in the schema clients introspect', async () => {
    const { body } = await stack.graphql<{ __type: { fields: { name: string }[] } }>(
      '{ __type(name: "Product") { fields { name } } }',
    );
    const fields = body.data?.__type.fields.map((field) => field.name) ?? [];
    expect(fields).toContain('shippingEstimate');
    expect(fields).toContain('weightGrams');
    expect(fields).not.toContain('packagingGrams');
  });
});

describe('the low-stock list @provides the SKU from inventory', () => {
  // Executing it needs an admin token: the plan is what shows where each field comes from.
  const planOf = (query: string) => queryPlanOf(query);

  it('is answered by inventory alone when the list asks for SKUs and stock', () => {
    expect(fetchesPerSubgraph(planOf(clientOperation('LowStock')))).toEqual({ inventory: 1 });
  });

  it('needs the catalog only for what inventory does not hold', () => {
    expect(fetchesPerSubgraph(planOf('{ lowStock { edges { node { sku name } } } }'))).toEqual({
      inventory: 1,
      products: 1,
    });
  });

  it('is refused to anonymous callers before any subgraph is asked', async () => {
    const cost = await measureCost(stack, async () => {
      const { body } = await runOperation(stack, 'LowStock');
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
    expect(cost.requests).toEqual({
      accounts: 0,
      products: 0,
      inventory: 0,
      reviews: 0,
      orders: 0,
      payments: 0,
    });
  });
});

describe('@defer through Apollo Client 4', () => {
  const PRODUCT_PAGE = gql`
    query DeferredProductPage($id: ID!) {
      product(id: $id) {
        id
        name
        price { amount currency }
        ... @defer(label: "reviews") {
          reviews(first: 3) { edges { node { id rating body author { id name } } } }
        }
      }
    }
  `;

  it('renders the product first and its reviews when they come, both as the whole answer has them', async () => {
    const variables = { id: seedIds.product(0) };
    const whole = await stack.graphql(print(PRODUCT_PAGE), variables);
    expect(whole.body.errors).toBeUndefined();
    const client = new ApolloClient({
      link: new HttpLink({ uri: stack.gatewayUrl }),
      cache: new InMemoryCache(),
      incrementalHandler: new Defer20220824Handler(),
    });

    // What a component rendering the watched query would get, render after render.
    const renders = await new Promise<{ data: unknown; dataState: string }[]>((resolve, reject) => {
      const seen: { data: unknown; dataState: string }[] = [];
      const subscription = client.watchQuery({ query: PRODUCT_PAGE, variables }).subscribe({
        next: (result) => {
          if (result.data === undefined) return;
          seen.push({ data: result.data, dataState: result.dataState });
          if (result.dataState === 'complete') {
            subscription.unsubscribe();
            resolve(seen);
          }
        },
        error: reject,
      });
    });
    client.stop();

    const [first, last] = [renders[0], renders.at(-1)];
    expect(first?.dataState).toBe('streaming');
    const product = (whole.body.data as { product: Record<string, unknown> }).product;
    const { reviews, ...withoutReviews } = product;
    expect(stripTypenames(first?.data)).toEqual({ product: withoutReviews });
    expect((reviews as { edges: unknown[] }).edges.length).toBeGreaterThan(0);
    expect(stripTypenames(last?.data)).toEqual(whole.body.data);
  });
});

/** An answer as the server sent it: Apollo Client's cache adds `__typename` to every object. */
function stripTypenames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTypenames);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '__typename')
      .map(([key, entry]) => [key, stripTypenames(entry)]),
  );
}
