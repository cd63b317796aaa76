import { clientOperation } from '@shop/devkit/operations';
import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { productsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
const customer: Caller = { userId: seedIds.user(0), role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER };

beforeAll(async () => {
  service = await startTestSubgraph(productsSubgraph);
  await seed(service.database.db, { ...DEMO_SEED_PLAN, products: 20 });
});
afterAll(() => service.stop());

const CREATE = /* GraphQL */ `
  mutation ($input: CreateProductInput!) {
    createProduct(input: $input) {
      id sku name description price { amount currency } weightGrams category { id slug } createdAt updatedAt
    }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation ($id: ID!, $input: UpdateProductInput!) {
    updateProduct(id: $id, input: $input) {
      id sku name description price { amount currency } weightGrams category { id slug } createdAt updatedAt
    }
  }
`;

interface ProductData {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  weightGrams: number;
  category: { id: string; slug: string };
  createdAt: string;
  updatedAt: string;
}

const validInput = (overrides: Record<string, unknown> = {}) => ({
  sku: 'KIT-900001',
  name: 'Enamel Milk Pan',
  description: 'A small enamel pan for warming milk.',
  price: { amount: 2450, currency: 'USD' },
  weightGrams: 700,
  categoryId: seedIds.category(0),
  ...overrides,
});

/** Every row of the catalog, to show that a rejected mutation changed nothing. */
const catalogRows = () => service.database.sql`select * from products order by id`;

describe('createProduct', () => {
  it('adds a product that is then found by id, by SKU and in the newest-first list', async () => {
    const result = await service.execute<{ createProduct: ProductData }>(
      CREATE,
      { input: validInput() },
      admin,
    );
    expect(result.errors).toBeUndefined();
    const created = result.data?.createProduct;
    expect(created).toMatchObject({
      sku: 'KIT-900001',
      name: 'Enamel Milk Pan',
      price: { amount: 2450, currency: 'USD' },
      weightGrams: 700,
      category: { id: seedIds.category(0), slug: 'kitchen' },
    });
    const found = await service.execute<{
      byId: { sku: string };
      bySku: { id: string };
      products: { edges: { node: { id: string } }[] };
    }>(
      `query ($id: ID!) {
        byId: product(id: $id) { sku }
        bySku: product(sku: "KIT-900001") { id }
        products(first: 1) { edges { node { id } } }
      }`,
      { id: created?.id },
    );
    expect(found.data).toEqual({
      byId: { sku: 'KIT-900001' },
      bySku: { id: created?.id },
      products: { edges: [{ node: { id: created?.id } }] },
    });
  });

  it('trims names and descriptions', async () => {
    const result = await service.execute<{ createProduct: ProductData }>(
      CREATE,
      { input: validInput({ sku: 'KIT-900002', name: '  Butter Dish ', description: ' For butter. ' }) },
      admin,
    );
    expect(result.data?.createProduct).toMatchObject({ name: 'Butter Dish', description: 'For butter.' });
  });

  it('refuses a SKU that exists with CONFLICT, and writes nothing', async () => {
    const before = await catalogRows();
    const result = await service.execute(CREATE, { input: validInput({ sku: 'KIT-000001' }) }, admin);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'input.sku' });
    expect(await catalogRows()).toEqual(before);
  });

  it('lets exactly one of two creations of the same SKU at once win', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        service.execute(CREATE, { input: validInput({ sku: 'RACE-1', name: `Racer ${index}` }) }, admin),
      ),
    );
    expect(results.filter((result) => !result.errors)).toHaveLength(1);
    for (const result of results.filter((candidate) => candidate.errors))
      expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const [row] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from products where sku = 'RACE-1'`;
    expect(row?.count).toBe(1);
  });

  it.each([
    [{ sku: 'kit-1' }, 'input.sku'],
    [{ sku: 'AB' }, 'input.sku'],
    [{ sku: 'KIT--1' }, 'input.sku'],
    [{ sku: `K${'X'.repeat(32)}` }, 'input.sku'],
    [{ name: 'A' }, 'input.name'],
    [{ name: '   ' }, 'input.name'],
    [{ name: 'N'.repeat(121) }, 'input.name'],
    [{ name: 'Two\nlines' }, 'input.name'],
    [{ description: '  ' }, 'input.description'],
    [{ description: 'd'.repeat(5001) }, 'input.description'],
    [{ price: { amount: -1, currency: 'USD' } }, 'input.price.amount'],
    [{ price: { amount: 100_000_001, currency: 'USD' } }, 'input.price.amount'],
    [{ price: { amount: 100, currency: 'EUR' } }, 'input.price.currency'],
    [{ weightGrams: -5 }, 'input.weightGrams'],
    [{ weightGrams: 1_000_001 }, 'input.weightGrams'],
    [{ categoryId: 'kitchen' }, 'input.categoryId'],
    [{ categoryId: seedIds.category(99) }, 'input.categoryId'],
  ])('refuses %j with BAD_USER_INPUT naming %s, and writes nothing', async (overrides, field) => {
    const before = await catalogRows();
    const result = await service.execute(
      CREATE,
      { input: validInput({ sku: 'KIT-900100', ...overrides }) },
      admin,
    );
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(result.errors?.[0]?.message).toContain(field);
    expect(await catalogRows()).toEqual(before);
  });

  it('accepts a free product and a weightless one (a gift card)', async () => {
    const result = await service.execute<{ createProduct: ProductData }>(
      CREATE,
      { input: validInput({ sku: 'GIFT-0', price: { amount: 0, currency: 'USD' }, weightGrams: 0 }) },
      admin,
    );
    expect(result.errors).toBeUndefined();
  });

  it('is for admins only', async () => {
    const before = await catalogRows();
    const anonymous = await service.execute(CREATE, { input: validInput({ sku: 'KIT-900200' }) });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const shopper = await service.execute(CREATE, { input: validInput({ sku: 'KIT-900200' }) }, customer);
    expect(shopper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await catalogRows()).toEqual(before);
  });
});

describe('updateProduct', () => {
  const id = seedIds.product(4);

  it('changes only the fields given and moves updatedAt', async () => {
    const before = await service.execute<{ product: ProductData }>(
      `query ($id: ID!) { product(id: $id) { id sku name description price { amount currency } weightGrams category { id slug } createdAt updatedAt } }`,
      { id },
    );
    const result = await service.execute<{ updateProduct: ProductData }>(
      UPDATE,
      { id, input: { price: { amount: 1234, currency: 'USD' }, categoryId: seedIds.category(3) } },
      admin,
    );
    expect(result.errors).toBeUndefined();
    const updated = result.data?.updateProduct;
    const original = before.data?.product;
    expect(updated).toMatchObject({
      id,
      sku: original?.sku,
      name: original?.name,
      description: original?.description,
      weightGrams: original?.weightGrams,
      createdAt: original?.createdAt,
      price: { amount: 1234, currency: 'USD' },
      category: { id: seedIds.category(3), slug: 'toys' },
    });
    expect(new Date(updated?.updatedAt ?? 0).getTime()).toBeGreaterThan(
      new Date(original?.updatedAt ?? 0).getTime(),
    );
  });

  it.each([
    [{}, 'input'],
    [{ name: null }, 'input.name'],
    [{ name: 'x' }, 'input.name'],
    [{ description: '' }, 'input.description'],
    [{ price: { amount: -10, currency: 'USD' } }, 'input.price.amount'],
    [{ price: { amount: 10, currency: 'usd' } }, 'input.price.currency'],
    [{ weightGrams: -1 }, 'input.weightGrams'],
    [{ categoryId: seedIds.category(77) }, 'input.categoryId'],
    // One good field and one bad: neither is written.
    [{ name: 'A fine new name', weightGrams: -1 }, 'input.weightGrams'],
  ])('refuses %j with BAD_USER_INPUT naming %s, and writes nothing', async (input, field) => {
    const before = await catalogRows();
    const result = await service.execute(UPDATE, { id, input }, admin);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await catalogRows()).toEqual(before);
  });

  it('answers NOT_FOUND for a product that does not exist and BAD_USER_INPUT for an id that cannot be one', async () => {
    const missing = await service.execute(
      UPDATE,
      { id: seedIds.product(9999), input: { name: 'Ghost' } },
      admin,
    );
    expect(missing.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND' });
    const malformed = await service.execute(UPDATE, { id: 'garbage', input: { name: 'Ghost' } }, admin);
    expect(malformed.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('is for admins only', async () => {
    const before = await catalogRows();
    const anonymous = await service.execute(UPDATE, { id, input: { name: 'Hijacked' } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const shopper = await service.execute(UPDATE, { id, input: { name: 'Hijacked' } }, customer);
    expect(shopper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await catalogRows()).toEqual(before);
  });
});

describe('Product.packagingGrams', () => {
  it('is the packaging of the product category, for the inventory subgraph to require', async () => {
    const result = await service.execute<{ _entities: { packagingGrams: number }[] }>(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { packagingGrams } } }`,
      {
        representations: [0, 2].map((index) => ({ __typename: 'Product', id: seedIds.product(index) })),
      },
    );
    // Product 0 is in Kitchen (boxed), product 2 in Books (a mailer).
    expect(result).toEqual({ data: { _entities: [{ packagingGrams: 350 }, { packagingGrams: 60 }] } });
  });
});

describe('the back office’s product operations, run as an admin', () => {
  it('CreateProduct then UpdateProduct', async () => {
    const created = await service.execute<{ createProduct: ProductData }>(
      clientOperation('CreateProduct'),
      { input: validInput({ sku: 'OPS-1', name: 'Operations Teapot' }) },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const id = created.data?.createProduct.id;
    const updated = await service.execute<{ updateProduct: ProductData }>(
      clientOperation('UpdateProduct'),
      { id, input: { name: 'Operations Kettle', weightGrams: 1200 } },
      admin,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateProduct).toMatchObject({
      id,
      sku: 'OPS-1',
      name: 'Operations Kettle',
      weightGrams: 1200,
    });
  });
});
