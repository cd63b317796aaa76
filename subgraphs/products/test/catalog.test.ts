import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { type GraphQLResult, startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { products as productsTable } from '../src/db/schema';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { productsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;

beforeAll(async () => {
  service = await startTestSubgraph(productsSubgraph);
  await seed(service.database.db, { ...DEMO_SEED_PLAN, products: 60 });
});
afterAll(() => service.stop());

interface ProductsPage {
  products: {
    totalCount: number;
    edges: {
      cursor: string;
      node: { id: string; name: string; price: { amount: number }; createdAt: string };
    }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const PAGE = /* GraphQL */ `
  query Page($first: Int, $after: String, $orderBy: ProductOrder, $filter: ProductFilter) {
    products(first: $first, after: $after, orderBy: $orderBy, filter: $filter) {
      totalCount
      edges { cursor node { id name price { amount } createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

async function allPages(variables: Record<string, unknown>, pageSize = 7) {
  const names: { id: string; name: string; price: number; createdAt: string }[] = [];
  let after = (variables.after as string | undefined) ?? null;
  for (let page = 0; page < 100; page += 1) {
    const result: GraphQLResult<ProductsPage> = await service.execute<ProductsPage>(PAGE, {
      ...variables,
      first: pageSize,
      after,
    });
    expect(result.errors).toBeUndefined();
    const connection = result.data?.products;
    if (!connection) throw new Error('no data');
    names.push(
      ...connection.edges.map(({ node }) => ({
        id: node.id,
        name: node.name,
        price: node.price.amount,
        createdAt: node.createdAt,
      })),
    );
    if (!connection.pageInfo.hasNextPage) return names;
    after = connection.pageInfo.endCursor;
  }
  throw new Error('too many pages');
}

describe('product lookup', () => {
  it('finds a product by id and by sku', async () => {
    const byId = await service.execute<{ product: { sku: string } }>(
      `{ product(id: "${seedIds.product(3)}") { sku } }`,
    );
    expect(byId.data?.product.sku).toBe('TOY-000004');
    const bySku = await service.execute<{ product: { id: string } }>(`{ product(sku: "TOY-000004") { id } }`);
    expect(bySku.data?.product.id).toBe(seedIds.product(3));
  });

  it('returns null, not an error, for a product that does not exist', async () => {
    const unknown = await service.execute(
      `{ a: product(id: "${seedIds.product(9999)}") { id } b: product(id: "nope") { id } c: product(sku: "NOPE") { id } }`,
    );
    expect(unknown).toEqual({ data: { a: null, b: null, c: null } });
  });

  it('asks for exactly one of id and sku', async () => {
    for (const args of ['', `(id: "${seedIds.product(1)}", sku: "KIT-000001")`]) {
      const result = await service.execute(`{ product${args} { id } }`);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    }
  });
});

describe('the products connection', () => {
  it('pages through the whole catalog in every order without gaps or repeats', async () => {
    for (const orderBy of ['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'NAME']) {
      const listed = await allPages({ orderBy });
      expect(new Set(listed.map((product) => product.id)).size).toBe(60);
      const keys = listed.map((product) =>
        orderBy === 'NAME' ? product.name : orderBy === 'NEWEST' ? product.createdAt : product.price,
      );
      const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(keys).toEqual(orderBy === 'NEWEST' || orderBy === 'PRICE_DESC' ? sorted.reverse() : sorted);
    }
  });

  it('keeps cursors stable while products are added between pages', async () => {
    const before = (await allPages({ orderBy: 'NEWEST' }, 100)).map((product) => product.id);
    const first = await service.execute<ProductsPage>(PAGE, { first: 10, orderBy: 'NEWEST' });
    // Someone adds products (newer than all others) while the client pages.
    await service.database.db.insert(productsTable).values(
      [1, 2, 3].map((index) => ({
        id: seedIds.product(10_000 + index),
        sku: `NEW-${index}`,
        name: `New product ${index}`,
        description: 'Added while paging.',
        priceAmount: 100,
        priceCurrency: 'USD',
        weightGrams: 10,
        categoryId: seedIds.category(0),
      })),
    );
    const next = await allPages({ orderBy: 'NEWEST', after: first.data?.products.pageInfo.endCursor }, 100);
    expect(next.map((product) => product.id)).toEqual(before.slice(10));
    await service.database.sql`delete from products where sku like 'NEW-%'`;
  });

  it('filters by category and price range, and counts only matches', async () => {
    const result = await service.execute<ProductsPage>(PAGE, {
      first: 100,
      filter: { categoryId: seedIds.category(2), minPrice: 1000, maxPrice: 30000 },
    });
    const edges = result.data?.products.edges ?? [];
    expect(result.data?.products.totalCount).toBe(edges.length);
    expect(edges.length).toBeGreaterThan(0);
    for (const { node } of edges) expect(node.price.amount).toBeGreaterThanOrEqual(1000);
    for (const { node } of edges) expect(node.price.amount).toBeLessThanOrEqual(30000);
  });

  it('rejects bad arguments with BAD_USER_INPUT naming the argument', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ first: 1000 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ after: Buffer.from('["x","y"]').toString('base64url') }, 'after'],
      [{ filter: { minPrice: -5 } }, 'filter.minPrice'],
      [{ filter: { minPrice: 500, maxPrice: 100 } }, 'filter.maxPrice'],
      [{ filter: { categoryId: 'garden' } }, 'filter.categoryId'],
    ];
    for (const [variables, field] of cases) {
      const result = await service.execute(PAGE, variables);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
  });

  it('rejects a cursor made for another order', async () => {
    const byName = await service.execute<ProductsPage>(PAGE, { first: 2, orderBy: 'NAME' });
    const result = await service.execute(PAGE, {
      orderBy: 'PRICE_ASC',
      after: byName.data?.products.pageInfo.endCursor,
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('Product as an entity', () => {
  const ENTITIES = /* GraphQL */ `
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Product { id sku name category { slug } price { amount currency } } }
    }
  `;

  it('resolves references by id and by sku', async () => {
    const result = await service.execute<{ _entities: ({ id: string; sku: string } | null)[] }>(ENTITIES, {
      representations: [
        { __typename: 'Product', id: seedIds.product(0) },
        { __typename: 'Product', sku: 'KIT-000013' },
        { __typename: 'Product', id: seedIds.product(9999) },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((entity) => entity?.sku ?? null)).toEqual([
      'KIT-000001',
      'KIT-000013',
      null,
    ]);
  });

  it('costs the same SQL for 5 references as for 50', async () => {
    const cost = async (count: number) => {
      const before = await service.queryCount();
      const result = await service.execute(ENTITIES, {
        representations: Array.from({ length: count }, (_, index) => ({
          __typename: 'Product',
          id: seedIds.product(index),
        })),
      });
      expect(result.errors).toBeUndefined();
      return (await service.queryCount()) - before;
    };
    expect(await cost(50)).toBe(await cost(5));
  });
});
