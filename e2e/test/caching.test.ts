import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientOperation } from '@shop/devkit/operations';
import { type SeedPlan, seedIds } from '@shop/devkit/seed';
import { type ServiceProcess, startServiceProcess } from '@shop/scripts/lib/processes';
import { localSubgraphUrl, ROOT, SUBGRAPHS } from '@shop/scripts/lib/services';
import { stockSupergraph } from '@shop/scripts/lib/stock-supergraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenSignedWith } from '../src/access-tokens';
import { runOperation } from '../src/operations';
import { startTestStack, type TestStack } from '../src/test-stack';

const PLAN: SeedPlan = { seed: 5, categories: 12, products: 240, users: 40, reviews: 1200, orders: 0 };
const BOUND_SECONDS = 2;

let stack: TestStack;
let tokenOf: (user: number) => string;
let admin: string;

beforeAll(async () => {
  stack = await startTestStack({
    seed: PLAN,
    env: { RESPONSE_CACHE: 'true', RESPONSE_CACHE_MAX_AGE_SECONDS: String(BOUND_SECONDS) },
  });
  const key = stack.secrets.signingKeys[0];
  if (!key) throw new Error('the stack has no token signing key');
  tokenOf = (user) => accessTokenSignedWith(key, { sub: seedIds.user(user), role: 'CUSTOMER' });
  admin = accessTokenSignedWith(key, { sub: seedIds.admin(), role: 'ADMIN', scope: 'catalog:write' });
});
afterAll(() => stack?.stop());

async function gatewayCacheLookups(result: 'hit' | 'miss'): Promise<number> {
  const text = await (await fetch(stack.gatewayMetricsUrl)).text();
  const match = new RegExp(`^cache_lookups_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
}

describe('with the response cache on', () => {
  it("never shows one user's private data to another, under concurrent load", async () => {
    const users = Array.from({ length: 20 }, (_, index) => index);
    const mine = 'query Mine($id: ID) { me { id name email } product(id: $id) { id name price { amount } } }';
    const answers: { user: number; body: string; me: { id: string; email: string } | null }[] = [];
    const hitsBefore = await gatewayCacheLookups('hit');
    // Every user asks for their account page, a product page, and their email next to public
    // data, ten times over, all at once.
    await Promise.all(
      users.map(async (user) => {
        const headers = { authorization: `Bearer ${tokenOf(user)}` };
        for (let round = 0; round < 10; round++) {
          const id = seedIds.product(round);
          const results = await Promise.all([
            stack.graphql(clientOperation('AccountPage'), {}, headers),
            stack.graphql(mine, { id }, headers),
            stack.graphql(clientOperation('ProductPage'), { id, reviewsFirst: 3 }, headers),
          ]);
          for (const result of results) {
            expect(result.status).toBe(200);
            expect(result.body.errors).toBeUndefined();
            const me = (result.body.data as { me?: { id: string; email: string } } | undefined)?.me ?? null;
            answers.push({ user, body: JSON.stringify(result.body), me });
          }
        }
      }),
    );

    const emailOf = new Map<number, string>();
    for (const { user, me } of answers) {
      if (!me) continue;
      expect(me.id).toBe(seedIds.user(user));
      emailOf.set(user, me.email);
    }
    expect(emailOf.size).toBe(users.length);
    for (const { user, body } of answers)
      for (const [other, email] of emailOf) if (other !== user) expect(body).not.toContain(email);
    // The public product pages were served from the cache meanwhile.
    expect((await gatewayCacheLookups('hit')) - hitsBefore).toBeGreaterThan(0);
  }, 60_000);

  it('shows a changed product within the cache bound', async () => {
    const id = seedIds.product(17);
    const before = await runOperation<{ product: { name: string } }>(stack, 'ProductPage', { id });
    const renamed = `Renamed ${Date.now()}`;
    const update = await runOperation(
      stack,
      'UpdateProduct',
      { id, input: { name: renamed } },
      { token: admin },
    );
    expect(update.body.errors).toBeUndefined();
    expect(before.body.data?.product.name).not.toBe(renamed);

    await new Promise((resolve) => setTimeout(resolve, BOUND_SECONDS * 1000 + 200));
    const after = await runOperation<{ product: { name: string } }>(stack, 'ProductPage', { id });

    expect(after.body.data?.product.name).toBe(renamed);
  });
});

describe('answers identical to a stock @apollo/gateway', () => {
  let stock: ServiceProcess;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stock-gateway-'));
    const supergraphPath = join(dir, 'supergraph.graphql');
    const urls = new Map(SUBGRAPHS.map((spec) => [spec.name, stack.subgraphUrl(spec.name)]));
    writeFileSync(
      supergraphPath,
      stockSupergraph(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'), urls),
    );
    const secretsPath = join(dir, 'secrets.json');
    writeFileSync(secretsPath, JSON.stringify(stack.secrets.gatewaySecrets), { mode: 0o600 });
    stock = await startServiceProcess('stock-gateway', join(ROOT, 'scripts/bench/stock-gateway.ts'), {
      output: () => {},
      env: { ...process.env, NODE_ENV: 'test' },
      args: ['--supergraph', supergraphPath, '--secrets', secretsPath],
    });
  });
  afterAll(() => stock?.stop());

  const stockAnswer = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(localSubgraphUrl({ name: 'stock', port: stock.port, dir: '' }), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  };

  const cases: [string, Record<string, unknown>][] = [
    ['HomePage', {}],
    ['HomePage', { newArrivals: 20 }],
    ['CategoryPage', { categoryId: seedIds.category(2), orderBy: 'PRICE_DESC' }],
    ['CategoryPage', { categoryId: seedIds.category(5), orderBy: 'NAME', first: 5, minPrice: 1000 }],
    ['SearchResults', { search: 'oak' }],
    ['SearchResults', { search: 'no such thing anywhere' }],
    ['ProductPage', { id: seedIds.product(3) }],
    ['ProductPage', { id: seedIds.product(4), reviewsFirst: 2 }],
  ];
  it.each(cases)(
    '%s %j: this gateway (answered, then cached) and the stock gateway agree',
    async (name, variables) => {
      const query = clientOperation(name);
      const expected = await stockAnswer(query, variables);
      const first = await stack.graphql(query, variables);
      const second = await stack.graphql(query, variables);

      expect(first.body).toEqual(expected);
      expect(second.body).toEqual(expected);
    },
  );
});
