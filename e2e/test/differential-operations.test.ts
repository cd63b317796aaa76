import { readFileSync } from 'node:fs';
import { clientOperations } from '@shop/devkit/operations';
import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compareWithStock, describeDifferences } from '../../gateway/test/support/stock-comparison';
import { type StockGateway, startStockGateway } from '../../gateway/test/support/stock-gateway';
import { startTestStack, type TestStack } from '../src/test-stack';

// Every client query (the storefront's and the others'), as the storefront sends it, gets the same answer (byte for
// byte but for the order of errors) from our gateway and from a stock @apollo/gateway over the
// same real, seeded subgraphs, sent anonymously. Left out: mutations (each would change what the
// other gateway's run then reads) and queries of fields only a logged-in caller may read, which
// our gateway refuses itself, before any subgraph call, in words of its own (the stock gateway
// passes them on and the subgraph refuses in its words).
const PROTECTED = new Set(['AccountPage', 'LowStock', 'OrderStatus', 'ProductEditor', 'RecentReviews']);

const VARIABLES: Record<string, Record<string, unknown>> = {
  CategoryPage: { categoryId: seedIds.category(0), first: 5 },
  HomePage: {},
  ProductDetails: { id: seedIds.product(1) },
  ProductList: { search: 'oak', orderBy: 'PRICE_ASC', first: 6 },
  ProductPage: { id: seedIds.product(0), reviewsFirst: 3 },
  ProductPageDeferred: { id: seedIds.product(0), reviewsFirst: 4 },
  SearchResults: { search: 'steel', first: 5 },
};

let stack: TestStack;
let stock: StockGateway;

beforeAll(async () => {
  stack = await startTestStack({ seed: DEMO_SEED_PLAN });
  const supergraph = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  const urls = new Map([...stack.subgraphs.keys()].map((name) => [name, stack.subgraphUrl(name)]));
  stock = await startStockGateway(supergraph, new Map(Object.entries(stack.secrets.gatewaySecrets)), urls);
});
afterAll(async () => {
  await stock?.stop();
  await stack?.stop();
});

it('answers every client query as the stock gateway does', async () => {
  const queries = [...clientOperations()].filter(
    ([name, text]) => !PROTECTED.has(name) && text.startsWith('query '),
  );
  expect(queries.map(([name]) => name).sort()).toEqual(Object.keys(VARIABLES).sort());
  const operations = queries.map(([name, query]) => ({ query, variables: VARIABLES[name] ?? {} }));
  const { differences, withData } = await compareWithStock(stack.gatewayUrl, stock.url, operations);
  expect(differences, describeDifferences(differences, operations.length)).toEqual([]);
  expect(withData).toBe(operations.length);
});
