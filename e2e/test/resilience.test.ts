import { clientOperation } from '@shop/devkit/operations';
import { type SeedPlan, seedIds } from '@shop/devkit/seed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessTokenSignedWith } from '../src/access-tokens';
import { type GraphQLResponse, startTestStack, type TestStack } from '../src/test-stack';

const PLAN: SeedPlan = { seed: 3, categories: 12, products: 120, users: 20, reviews: 600, orders: 0 };

// Operations that never touch reviews: the admin's product editor and a product card without ratings.
const PRODUCT_CARD =
  'query ProductCard($id: ID) { categories { id name } product(id: $id) { id name price { amount } inStock } }';
// A nullable field of reviews: the product is served, its rating is null.
const PRODUCT_RATING = 'query ProductRating($id: ID) { product(id: $id) { id name averageRating } }';

let stack: TestStack;
let admin: string;

beforeAll(async () => {
  stack = await startTestStack({
    seed: PLAN,
    // The cache off: every request of the load must go to the subgraphs.
    env: { SUBGRAPH_TIMEOUT_MS: '2000', CIRCUIT_RESET_MS: '500' },
  });
  const key = stack.secrets.signingKeys[0];
  if (!key) throw new Error('the stack has no token signing key');
  admin = accessTokenSignedWith(key, {
    sub: seedIds.admin(),
    role: 'ADMIN',
    scope: 'catalog:write inventory:write orders:manage users:read reviews:moderate',
  });
});
afterAll(() => stack?.stop());

type Answer = GraphQLResponse<Record<string, unknown>>;
interface Sent {
  kind: 'untouched' | 'touched';
  name: string;
  at: number;
  answer: Answer | null;
}

const product = (index: number) => seedIds.product(index % PLAN.products);

function send(
  kind: Sent['kind'],
  name: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
) {
  const at = performance.now();
  return stack.graphql(query, variables, token ? { authorization: `Bearer ${token}` } : {}).then(
    (answer): Sent => ({ kind, name, at, answer }),
    (): Sent => ({ kind, name, at, answer: null }),
  );
}

it('keeps serving while a subgraph is killed under load, with partial answers, and is whole again within 5 s of its restart', async () => {
  const reviews = stack.subgraphs.get('reviews');
  if (!reviews) throw new Error('no reviews subgraph');
  const sent: Sent[] = [];
  let phase: 'before' | 'down' | 'after' = 'before';
  let stopLoad = false;
  let round = 0;
  const productPage = clientOperation('ProductPage');
  const productEditor = clientOperation('ProductEditor');

  // Eight clients, each sending one request after the other until told to stop (bounded below).
  const clients = Array.from({ length: 8 }, async (_, client) => {
    while (!stopLoad) {
      const id = product(client * 7 + round++);
      const batch = await Promise.all([
        send('untouched', 'ProductCard', PRODUCT_CARD, { id }),
        send('untouched', 'ProductEditor', productEditor, { id }, admin),
        send('touched', 'ProductRating', PRODUCT_RATING, { id }),
        send('touched', 'ProductPage', productPage, { id }),
      ]);
      for (const entry of batch) sent.push({ ...entry, name: `${phase}:${entry.name}` });
    }
  });

  await new Promise((resolve) => setTimeout(resolve, 1500));
  // Killed, not stopped: no goodbye, connections cut mid-request.
  reviews.child.kill('SIGKILL');
  await reviews.exited;
  phase = 'down';
  const killedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 3000));

  const restartingAt = performance.now();
  await stack.restartSubgraph('reviews');
  phase = 'after';
  const upAt = performance.now();
  let wholeAt: number | null = null;
  while (wholeAt === null && performance.now() - upAt < 10_000) {
    const { answer } = await send('touched', 'ProductPage', productPage, { id: product(1) });
    if (answer && answer.body.errors === undefined && answer.body.data?.product) wholeAt = performance.now();
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  stopLoad = true;
  await Promise.all(clients);

  // Operations that do not touch reviews: under 1% errors, outage included.
  const untouched = sent.filter((entry) => entry.kind === 'untouched');
  const failedUntouched = untouched.filter(
    (entry) => entry.answer === null || entry.answer.status !== 200 || entry.answer.body.errors !== undefined,
  );
  expect(untouched.length).toBeGreaterThan(50);
  expect(failedUntouched.length / untouched.length).toBeLessThan(0.01);

  // While reviews was down: partial data, each error at a path under what reviews supplies.
  const duringOutage = sent.filter(
    (entry) => entry.kind === 'touched' && entry.at > killedAt + 200 && entry.at < restartingAt,
  );
  expect(duringOutage.length).toBeGreaterThan(10);
  for (const { name, answer } of duringOutage) {
    expect(answer?.status).toBe(200);
    const errors = answer?.body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.message).toBe('Internal server error');
    }
    if (name.endsWith('ProductRating')) {
      // The nullable rating is null, the product itself is served.
      const data = answer?.body.data?.product as { name?: unknown; averageRating?: unknown } | null;
      expect(typeof data?.name).toBe('string');
      expect(data?.averageRating).toBeNull();
      expect(errors.map((error) => error.path)).toEqual([['product', 'averageRating']]);
    } else {
      // reviewCount is non-null: the product page's product is null, as GraphQL requires, and
      // each error points at a field reviews supplies.
      for (const error of errors) {
        expect(error.path?.[0]).toBe('product');
        expect(['averageRating', 'reviewCount', 'reviews']).toContain(error.path?.[1]);
      }
    }
  }

  // Whole again within 5 s of the restarted subgraph listening.
  expect(wholeAt).not.toBeNull();
  expect((wholeAt ?? Number.POSITIVE_INFINITY) - upAt).toBeLessThan(5000);
}, 60_000);
