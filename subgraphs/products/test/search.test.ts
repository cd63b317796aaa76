import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { products } from '../src/db/schema';
import { seed } from '../src/db/seed';
import { readProductListArgs } from '../src/domain/product-list';
import { productListStatement } from '../src/domain/products';
import type { Context } from '../src/subgraph';
import { productsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const CATALOG_SIZE = 10_000;

beforeAll(async () => {
  service = await startTestSubgraph(productsSubgraph);
  await seed(service.database.db, { ...DEMO_SEED_PLAN, products: CATALOG_SIZE });
  await service.database.db.insert(products).values(
    ['Zanzibar Copper Teapot', 'Zanzibar Linen Apron', '100% Cotton Tea Towel', 'Under_score Mug'].map(
      (name, index) => ({
        id: seedIds.product(CATALOG_SIZE + index),
        sku: `SRCH-${index + 1}`,
        name,
        description: 'Added for the search tests.',
        priceAmount: 1500 + index,
        priceCurrency: 'USD',
        weightGrams: 400,
        categoryId: seedIds.category(index),
      }),
    ),
  );
  // Fresh statistics, as autoanalyze keeps them once a real catalog gets this big.
  await service.database.sql`analyze products`;
});
afterAll(() => service.stop());

const SEARCH = /* GraphQL */ `
  query ($search: String, $categoryId: ID, $first: Int) {
    products(first: $first, filter: { search: $search, categoryId: $categoryId }) {
      totalCount
      edges { node { name sku } }
    }
  }
`;

async function search(variables: Record<string, unknown>) {
  const result = await service.execute<{
    products: { totalCount: number; edges: { node: { name: string; sku: string } }[] };
  }>(SEARCH, { first: 100, ...variables });
  expect(result.errors).toBeUndefined();
  const list = result.data?.products;
  return { total: list?.totalCount, names: list?.edges.map(({ node }) => node.name) ?? [] };
}

describe('searching the catalog by name', () => {
  it('finds a product by a word of its name among 10,000, whatever the case', async () => {
    const found = await search({ search: 'zanzibar' });
    expect(found.total).toBe(2);
    expect(found.names.sort()).toEqual(['Zanzibar Copper Teapot', 'Zanzibar Linen Apron']);
    expect((await search({ search: 'TEAPOT' })).names).toEqual(['Zanzibar Copper Teapot']);
  });

  it('finds names containing every word given, in any order', async () => {
    expect((await search({ search: '  teapot   ZANZI ' })).names).toEqual(['Zanzibar Copper Teapot']);
    const { names, total } = await search({ search: 'oak kettle' });
    expect(names.length).toBeGreaterThan(0);
    expect(total).toBe(names.length);
    for (const name of names) expect(name).toMatch(/oak.*kettle/i);
  });

  it('matches % and _ as themselves, not as wildcards', async () => {
    expect((await search({ search: '100%' })).names).toEqual(['100% Cotton Tea Towel']);
    expect((await search({ search: 'under_score' })).names).toEqual(['Under_score Mug']);
    expect((await search({ search: '%' })).names).toEqual(['100% Cotton Tea Towel']);
  });

  it('combines with the other filters', async () => {
    expect((await search({ search: 'zanzibar', categoryId: seedIds.category(1) })).names).toEqual([
      'Zanzibar Linen Apron',
    ]);
  });

  it('treats a blank search as no search, and an empty result as an empty page', async () => {
    expect((await search({ search: '   ' })).total).toBe(CATALOG_SIZE + 4);
    expect(await search({ search: 'xylophoneqq' })).toEqual({ total: 0, names: [] });
  });

  it('refuses an overlong search or too many words, naming filter.search', async () => {
    for (const text of ['a'.repeat(101), 'a b c d e f g h i']) {
      const result = await service.execute(SEARCH, { search: text });
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'filter.search' });
    }
  });

  it('uses the trigram index instead of reading the whole catalog', async () => {
    const query = readProductListArgs({ first: 20, filter: { search: 'zanzibar' } });
    const statement = productListStatement(service.database.db, query).toSQL();
    const plan = await service.database.sql.unsafe(`explain ${statement.sql}`, statement.params as never[]);
    const text = plan.map((row) => String(row['QUERY PLAN'])).join('\n');
    expect(text).toContain('products_name_trgm_idx');
    expect(text).not.toMatch(/Seq Scan on products/);
  });
});
