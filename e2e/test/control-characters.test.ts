import { randomUUID } from 'node:crypto';
import { type SeedPlan, seedIds } from '@shop/devkit/seed';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessTokenSignedWith } from '../src/access-tokens';
import { startTestStack, type TestStack } from '../src/test-stack';

/**
 * Issue 19, item 3, through the gateway: a NUL (or any control character) in what a client types
 * is refused as BAD_USER_INPUT naming the field, never a 500, and the text never reaches a log line.
 */
const PLAN: SeedPlan = { seed: 5, categories: 2, products: 4, users: 3, reviews: 0, orders: 0 };
// Each refused value carries this marker, so a log line that repeats one is found.
const MARKER = `nul-probe-${randomUUID().slice(0, 8)}`;
const NUL = '\u0000';

let stack: TestStack;
let customer: string;
let admin: string;
const logged: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    seed: PLAN,
    // Every line a service writes, not only warnings, is searched for the refused values.
    env: { LOG_LEVEL: 'info' },
    onOutput: (service, line) => logged.push(`${service} ${line}`),
  });
  const key = stack.secrets.signingKeys[0];
  if (!key) throw new Error('the stack has no token signing key');
  customer = accessTokenSignedWith(key, { sub: seedIds.user(0), role: 'CUSTOMER', scope: '' });
  admin = accessTokenSignedWith(key, {
    sub: seedIds.admin(),
    role: 'ADMIN',
    scope: 'catalog:write inventory:write orders:manage users:read reviews:moderate',
  });
}, 180_000);
afterAll(() => stack?.stop());

const bad = (text: string) => `${MARKER}${NUL}${text}`;

const CASES: { field: string; query: string; variables: Record<string, unknown>; token?: () => string }[] = [
  {
    field: 'input.email',
    query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }',
    variables: { input: { email: `${bad('x')}@shop.test`, password: 'a-long-password-1', name: 'Nul' } },
  },
  {
    field: 'input.name',
    query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }',
    variables: { input: { email: `${MARKER}@shop.test`, password: 'a-long-password-1', name: bad('Nul') } },
  },
  {
    field: 'email',
    query: 'mutation ($email: String!) { logIn(email: $email, password: "whatever-password") { token } }',
    variables: { email: `${bad('x')}@shop.test` },
  },
  {
    field: 'filter.search',
    query: 'query ($search: String!) { products(first: 3, filter: { search: $search }) { totalCount } }',
    variables: { search: bad('lamp') },
  },
  {
    field: 'input.sku',
    query: 'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
    variables: {
      input: {
        sku: bad('SKU'),
        name: 'Nul lamp',
        description: 'A lamp',
        price: { amount: 1000, currency: 'USD' },
        weightGrams: 100,
        categoryId: seedIds.category(0),
      },
    },
    token: () => admin,
  },
  {
    field: 'input.body',
    query: 'mutation ($input: AddReviewInput!) { addReview(input: $input) { id } }',
    variables: { input: { productId: seedIds.product(0), rating: 4, body: bad('Great lamp') } },
    token: () => customer,
  },
  {
    field: 'input.idempotencyKey',
    query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
    variables: {
      input: {
        lines: [{ productId: seedIds.product(0), quantity: 1 }],
        paymentToken: 'tok_ok',
        idempotencyKey: bad('key'),
      },
    },
    token: () => customer,
  },
  {
    field: 'input.paymentToken',
    query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
    variables: {
      input: {
        lines: [{ productId: seedIds.product(0), quantity: 1 }],
        paymentToken: bad('tok_ok'),
        idempotencyKey: randomUUID(),
      },
    },
    token: () => customer,
  },
];

it.each(CASES)(
  'refuses a NUL in $field as BAD_USER_INPUT naming it',
  async ({ field, query, variables, token }) => {
    const { status, body } = await stack.graphql(
      query,
      variables,
      token ? { authorization: `Bearer ${token()}` } : {},
    );
    expect(status).toBeLessThan(500);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(body.errors?.[0]?.message).toContain('control characters');
    expect(JSON.stringify(body)).not.toContain(MARKER);
  },
);

it('writes none of the refused values, nor any SQL parameters, to a log line', async () => {
  // Every case above has been answered; give the processes' output a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(logged.length).toBeGreaterThan(0);
  expect(logged.filter((line) => line.includes(MARKER))).toEqual([]);
  expect(logged.filter((line) => /"(params|parameters)"\s*:/.test(line))).toEqual([]);
});
