import { clientOperation } from '@shop/devkit/operations';
import { DEMO_SEED_PLAN, seedIds, seedProductSku } from '@shop/devkit/seed';
import { type GraphQLResult, startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { inventorySubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 120 };
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
const customer: Caller = { userId: seedIds.user(0), role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER };

beforeAll(async () => {
  service = await startTestSubgraph(inventorySubgraph);
  await seed(service.database.db, plan);
});
afterAll(() => service.stop());

const STOCK = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Product { id inStock stock { productId available } } }
  }
`;

interface StockEntity {
  id: string;
  inStock: boolean;
  stock: { productId: string; available: number };
}

async function stockOf(ids: string[]): Promise<StockEntity[]> {
  const result = await service.execute<{ _entities: StockEntity[] }>(STOCK, {
    representations: ids.map((id) => ({ __typename: 'Product', id })),
  });
  expect(result.errors).toBeUndefined();
  return result.data?._entities ?? [];
}

const SET_STOCK = /* GraphQL */ `
  mutation ($productId: ID!, $available: Int!) {
    setStock(productId: $productId, available: $available) { productId available reserved }
  }
`;

const rowCount = async () =>
  (await service.database.sql<{ count: number }[]>`select count(*)::int as count from stock`)[0]?.count;

describe('a product stock', () => {
  it('is what the warehouse counted, and inStock says whether any unit is available', async () => {
    const rows = await service.database.sql<{ product_id: string; available: number }[]>`
      select product_id, available from stock order by product_id`;
    expect(rows).toHaveLength(plan.products);
    const entities = await stockOf(rows.map((row) => row.product_id));
    rows.forEach((row, index) => {
      expect(entities[index]).toEqual({
        id: row.product_id,
        inStock: row.available > 0,
        stock: { productId: row.product_id, available: row.available },
      });
    });
    // The seed has some sold-out products and some well stocked.
    expect(entities.some((entity) => !entity.inStock)).toBe(true);
    expect(entities.some((entity) => entity.inStock)).toBe(true);
  });

  it('is 0 available for a product the warehouse has no row for', async () => {
    const [entity] = await stockOf([seedIds.product(99_999)]);
    expect(entity).toMatchObject({ inStock: false, stock: { available: 0 } });
  });

  it('costs one statement for 5 products as for 100', async () => {
    const cost = async (count: number) => {
      const before = await service.queryCount();
      await stockOf(Array.from({ length: count }, (_, index) => seedIds.product(index)));
      return (await service.queryCount()) - before;
    };
    expect(await cost(100)).toBe(1);
    expect(await cost(5)).toBe(1);
  });

  it('shows what is reserved to admins only', async () => {
    const query = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Product { stock { reserved } } } }`;
    const variables = { representations: [{ __typename: 'Product', id: seedIds.product(0) }] };
    expect((await service.execute(query, variables, admin)).errors).toBeUndefined();
    const anonymous = await service.execute(query, variables);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const shopper = await service.execute(query, variables, customer);
    expect(shopper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('can never go negative, whatever writes it', async () => {
    await expect(
      service.database.sql`update stock set available = -1 where product_id = ${seedIds.product(0)}`,
    ).rejects.toThrow(/stock_available_not_negative/);
    await expect(
      service.database.sql`update stock set reserved = -1 where product_id = ${seedIds.product(0)}`,
    ).rejects.toThrow(/stock_reserved_not_negative/);
    await expect(
      service.database.sql`update stock set sold = -1 where product_id = ${seedIds.product(0)}`,
    ).rejects.toThrow(/stock_sold_not_negative/);
  });
});

describe('setStock', () => {
  it('replaces the count of a product the warehouse holds, keeping what is reserved', async () => {
    const productId = seedIds.product(1);
    await service.database.sql`update stock set reserved = 3 where product_id = ${productId}`;
    const result = await service.execute(SET_STOCK, { productId, available: 42 }, admin);
    expect(result).toEqual({ data: { setStock: { productId, available: 42, reserved: 3 } } });
    const [entity] = await stockOf([productId]);
    expect(entity?.stock.available).toBe(42);
  });

  it('answers NOT_FOUND for a product the catalog never announced, and stores no orphan row', async () => {
    const before = await rowCount();
    const productId = seedIds.product(5000);
    const result = await service.execute(SET_STOCK, { productId, available: 7 }, admin);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(result.data).toBeNull();
    expect(await rowCount()).toBe(before);
    expect((await stockOf([productId]))[0]).toMatchObject({ inStock: false, stock: { available: 0 } });
  });

  it('rejects bad input with BAD_USER_INPUT naming the argument, and writes nothing', async () => {
    const before = await rowCount();
    const cases: [Record<string, unknown>, string][] = [
      [{ productId: seedIds.product(2), available: -1 }, 'available'],
      [{ productId: seedIds.product(2), available: 1_000_001 }, 'available'],
      [{ productId: 'not-an-id', available: 1 }, 'productId'],
    ];
    for (const [variables, field] of cases) {
      const result = await service.execute(SET_STOCK, variables, admin);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
    expect(await rowCount()).toBe(before);
  });

  it('is for admins only', async () => {
    const productId = seedIds.product(3);
    const [before] = await stockOf([productId]);
    const anonymous = await service.execute(SET_STOCK, { productId, available: 0 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const shopper = await service.execute(SET_STOCK, { productId, available: 0 }, customer);
    expect(shopper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await stockOf([productId]))[0]).toEqual(before);
  });
});

interface LowStockPage {
  lowStock: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; sku: string; stock: { available: number } } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const LOW_STOCK = /* GraphQL */ `
  query ($atMost: Int, $first: Int, $after: String) {
    lowStock(atMost: $atMost, first: $first, after: $after) {
      totalCount
      edges { cursor node { id sku stock { available } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

describe('the low-stock list', () => {
  it('lists the products at or below the threshold, fewest first, with their SKU, over stable pages', async () => {
    const rows = await service.database.sql<{ product_id: string; sku: string; available: number }[]>`
      select product_id, sku, available from stock
      where sku is not null and available <= 20 order by available, sku`;
    expect(rows.length).toBeGreaterThan(3);
    const listed: LowStockPage['lowStock']['edges'][number]['node'][] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page += 1) {
      const result: GraphQLResult<LowStockPage> = await service.execute<LowStockPage>(
        LOW_STOCK,
        { atMost: 20, first: 3, after },
        admin,
      );
      expect(result.errors).toBeUndefined();
      const connection = result.data?.lowStock;
      expect(connection?.totalCount).toBe(rows.length);
      listed.push(...(connection?.edges.map(({ node }) => node) ?? []));
      if (!connection?.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(listed).toEqual(
      rows.map((row) => ({ id: row.product_id, sku: row.sku, stock: { available: row.available } })),
    );
    // The SKUs are the ones the catalog gave the seeded products.
    const seededSkus = new Map(
      Array.from({ length: plan.products }, (_, index) => [
        seedIds.product(index),
        seedProductSku(plan, index),
      ]),
    );
    for (const product of listed) expect(product.sku).toBe(seededSkus.get(product.id));
  });

  it('costs the same statements for 5 products as for 100, stock included', async () => {
    const cost = async (first: number) => {
      const before = await service.queryCount();
      const result = await service.execute<LowStockPage>(LOW_STOCK, { atMost: 1000, first }, admin);
      expect(result.data?.lowStock.edges).toHaveLength(first);
      return (await service.queryCount()) - before;
    };
    // The page and its count: the products' stock comes with the page.
    expect(await cost(100)).toBe(2);
    expect(await cost(5)).toBe(2);
  });

  it('rejects bad arguments, naming them', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ atMost: -1 }, 'atMost'],
      [{ first: 101 }, 'first'],
      [{ after: 'bm9wZQ' }, 'after'],
    ];
    for (const [variables, field] of cases) {
      const result = await service.execute(LOW_STOCK, variables, admin);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('is for admins only', async () => {
    expect((await service.execute(LOW_STOCK, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await service.execute(LOW_STOCK, {}, customer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the back office’s stock operations, run as an admin', () => {
  it('SetStock then LowStock, which inventory answers alone', async () => {
    const productId = seedIds.product(6);
    const set = await service.execute(clientOperation('SetStock'), { productId, available: 0 }, admin);
    expect(set.errors).toBeUndefined();
    const list = await service.execute<LowStockPage>(
      clientOperation('LowStock'),
      { atMost: 0, first: 100 },
      admin,
    );
    expect(list.errors).toBeUndefined();
    expect(list.data?.lowStock.edges.map(({ node }) => node.id)).toContain(productId);
  });
});
