import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../gateway/test/support/test-issuer';
import { countingSubgraphCalls } from '../src/subgraph-calls';
import { startTestStack, type TestStack } from '../src/test-stack';

let stack: TestStack;
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startTestIssuer();
  stack = await startTestStack({ seed: DEMO_SEED_PLAN, env: { JWKS_URL: issuer.jwksUrl } });
});
afterAll(async () => {
  await stack?.stop();
  issuer?.stop();
});

const STOREFRONT = `query Storefront {
  products(first: 20) { totalCount edges { node { name sku price { amount currency }
    reviews(first: 3) { edges { node { rating body author { name } } } } } } pageInfo { hasNextPage endCursor } }
}`;

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function send(body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
  const response = await fetch(stack.gatewayUrl, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body } : {}),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const query = (text: string) => send(JSON.stringify({ query: text }));

/** The attack is refused with this code and costs the subgraphs nothing; the storefront still works. */
async function refusedAtTheGateway(attack: () => Promise<Answer>, code: string | RegExp, status = 400) {
  const { result, calls } = await countingSubgraphCalls(stack, attack);
  expect(result.status).toBe(status);
  expect(result.body.errors?.[0]?.extensions?.code).toMatch(code);
  expect(calls).toBe(0);
  const storefront = await query(STOREFRONT);
  expect(storefront.body.errors).toBeUndefined();
  expect(storefront.status).toBe(200);
  return result.body.errors?.[0];
}

describe('attacks the gateway refuses without calling a subgraph', () => {
  it('the storefront query passes every default limit', async () => {
    const { status, body } = await query(STOREFRONT);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });

  it('deep nesting: product -> reviews -> author -> reviews -> product ... 20 levels', async () => {
    let nested = 'name';
    for (let level = 0; level < 5; level++)
      nested = `reviews(first: 1) { edges { node { author { reviews(first: 1) { edges { node { product { ${nested} } } } } } } } }`;
    await refusedAtTheGateway(() => query(`{ product(sku: "KIT-000001") { ${nested} } }`), 'MAX_DEPTH_LIMIT');
  });

  it('500 aliases of products(first: 100)', async () => {
    const aliases = Array.from(
      { length: 500 },
      (_, index) => `p${index}: products(first: 100) { totalCount }`,
    );
    await refusedAtTheGateway(() => query(`{ ${aliases.join(' ')} }`), /^MAX_(ALIASES|TOKENS)_LIMIT$/);
    const fewer = Array.from(
      { length: 25 },
      (_, index) => `p${index}: products(first: 100) { edges { node { name } } }`,
    );
    await refusedAtTheGateway(
      () => query(`{ ${fewer.join(' ')} }`),
      /^(MAX_ROOT_FIELDS_LIMIT|COST_ESTIMATED_TOO_EXPENSIVE)$/,
    );
  });

  it('10,000 aliases of __typename', async () => {
    const aliases = Array.from({ length: 10_000 }, (_, index) => `t${index}: __typename`);
    await refusedAtTheGateway(() => query(`{ ${aliases.join(' ')} }`), 'MAX_TOKENS_LIMIT');
    const within = Array.from({ length: 200 }, (_, index) => `t${index}: __typename`);
    await refusedAtTheGateway(() => query(`{ ${within.join(' ')} }`), 'MAX_ALIASES_LIMIT');
  });

  it('1,000 logIn aliases in one mutation, and 40', async () => {
    const attempts = (count: number) =>
      Array.from(
        { length: count },
        (_, index) => `a${index}: logIn(email: "alice@shop.test", password: "guess${index}") { token }`,
      );
    await refusedAtTheGateway(() => query(`mutation { ${attempts(1000).join(' ')} }`), 'MAX_TOKENS_LIMIT');
    await refusedAtTheGateway(() => query(`mutation { ${attempts(40).join(' ')} }`), 'MAX_ALIASES_LIMIT');
  });

  it('a JSON array of 1,000 operations', async () => {
    const batch = JSON.stringify(Array.from({ length: 1000 }, () => ({ query: '{ categories { name } }' })));
    await refusedAtTheGateway(() => send(batch), 'BAD_REQUEST');
  });

  it('fragment cycles', async () => {
    await refusedAtTheGateway(
      () =>
        query(
          '{ products { edges { node { ...A } } } } fragment A on Product { reviews { edges { node { product { ...B } } } } } fragment B on Product { ...A }',
        ),
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  it('fragments that fan out exponentially', async () => {
    let fragments = '';
    for (let level = 0; level < 30; level++)
      fragments += `fragment F${level} on Product { ...F${level + 1} x${level}: name ...G${level + 1} } fragment G${level + 1} on Product { ...F${level + 1} } `;
    fragments += 'fragment F30 on Product { name } ';
    const started = performance.now();
    await refusedAtTheGateway(
      () => query(`{ product(sku: "KIT-000001") { ...F0 } } ${fragments}`),
      'MAX_ALIASES_LIMIT',
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('products(first: 100000)', async () => {
    const error = await refusedAtTheGateway(
      () => query('{ products(first: 100000) { edges { node { name } } } }'),
      'COST_ESTIMATED_TOO_EXPENSIVE',
    );
    expect(error?.extensions).toMatchObject({ cost: expect.any(Number), maxCost: 5000 });
    expect(Number(error?.extensions?.cost)).toBeGreaterThan(100_000);
  });

  it('a 20,000-token query and a 100-directive query', async () => {
    await refusedAtTheGateway(() => query(`{ ${'categories { name } '.repeat(5000)} }`), 'MAX_TOKENS_LIMIT');
    const directives = Array.from({ length: 100 }, () => '@include(if: true)').join(' ');
    await refusedAtTheGateway(() => query(`{ categories { name ${directives} } }`), 'MAX_DIRECTIVES_LIMIT');
  });

  it('a 3 MB body', async () => {
    const big = JSON.stringify({ query: `{ categories { name } } #${'x'.repeat(3 * 1024 * 1024)}` });
    await refusedAtTheGateway(() => send(big), 'PAYLOAD_TOO_LARGE', 413);
  });

  it('a GET mutation and a text/plain POST (CSRF)', async () => {
    const mutation = encodeURIComponent('mutation { logIn(email: "a@b.c", password: "x") { token } }');
    const get = await countingSubgraphCalls(stack, async () => {
      const response = await fetch(`${stack.gatewayUrl}?query=${mutation}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      return response.status;
    });
    expect([400, 405]).toContain(get.result);
    expect(get.calls).toBe(0);
    await refusedAtTheGateway(
      () =>
        fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ query: '{ categories { name } }' }),
        }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as Answer['body'],
        })),
      'BAD_REQUEST',
    );
  });

  it('an expired token, a token signed by another key, alg: none', async () => {
    const expired = await issuer.sign({
      sub: 'u1',
      role: 'CUSTOMER',
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    const otherKey = await issuer.sign({ sub: 'u1', role: 'ADMIN', scope: 'users:read' }, 'unpublished');
    const none = issuer.unsigned({ sub: 'u1', role: 'ADMIN', scope: 'users:read' });
    for (const token of [expired, otherKey, none])
      await refusedAtTheGateway(
        () =>
          send(JSON.stringify({ query: '{ categories { name } }' }), { authorization: `Bearer ${token}` }),
        'UNAUTHENTICATED',
        401,
      );
    const valid = await issuer.sign({ sub: 'u1', role: 'CUSTOMER' });
    const { status, body } = await send(JSON.stringify({ query: '{ categories { name } }' }), {
      authorization: `Bearer ${valid}`,
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });
});

describe('what the gateway shows of itself', () => {
  it('serves /metrics only on its own port: the public port answers 404, so operation names and error counts stay inside', async () => {
    const publicMetrics = await fetch(new URL('/metrics', stack.gatewayUrl));
    expect(publicMetrics.status).toBe(404);
    expect(await publicMetrics.text()).not.toContain('gateway_');
    const metrics = await fetch(stack.gatewayMetricsUrl);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('gateway_subgraph_requests_total');
  });
});
