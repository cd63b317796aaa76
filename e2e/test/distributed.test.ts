import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { testNatsUrl } from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import { subgraphSecretVariable } from '@shop/platform/config';
import { GATEWAY, ROOT, SUBGRAPHS } from '@shop/scripts/lib/services';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type DistributedLaunch,
  distributedEnvironment,
  launchDistributed,
} from '../../scripts/distributed/launch';

// The distributed mode as an operator runs it: `npm run start:distributed` itself, each service
// its own process on its own database on this machine's Postgres, events over this machine's
// NATS JetStream, secrets from the environment. CI runs it against the machine's services.
const natsUrl = testNatsUrl();
const adminUrl = inject('databaseUrl');

let system: DistributedLaunch;
beforeAll(async () => {
  system = await launchDistributed({ adminUrl, natsUrl, args: ['--create-databases', '--seed'] });
}, 240_000);
afterAll(() => system?.destroy());

interface GraphQLBody<TData> {
  data?: TData | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}
async function graphql<TData>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLBody<TData>> {
  const response = await fetch(`${system.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLBody<TData>;
}

async function logIn(email: string, password: string): Promise<string> {
  const body = await graphql<{ logIn: { token: string } }>(
    'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }',
    { email, password },
  );
  expect(body.errors).toBeUndefined();
  return body.data?.logIn.token ?? '';
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(Boolean(socket.end())));
    socket.once('error', () => resolve(false));
  });

describe.skipIf(withoutNats())('npm run start:distributed', () => {
  it('runs every service as its own process, each on its own port', async () => {
    for (const spec of [GATEWAY, ...SUBGRAPHS]) {
      const response = await fetch(`http://127.0.0.1:${spec.port + system.portOffset}/ready`);
      expect(response.status, spec.name).toBe(200);
    }
  });

  it('gives each service its own database, closed to the other services', async () => {
    const [first, second] = SUBGRAPHS;
    const ownUrl = system.env[`${first?.name.toUpperCase()}_DATABASE_URL`] as string;
    const own = postgres(ownUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await own<{ tables: number }[]>`
        select count(*)::int as tables from information_schema.tables where table_schema = 'public'`;
      expect(row?.tables).toBeGreaterThan(0);
    } finally {
      await own.end();
    }
    const foreign = new URL(ownUrl);
    foreign.pathname = `/${system.databasePrefix}${second?.name}`;
    const intruder = postgres(foreign.toString(), { max: 1, onnotice: () => {} });
    await expect(intruder`select 1`).rejects.toThrow(/permission denied|not permitted/);
    await intruder.end();
  });

  it('answers a catalog query that spans products, inventory, reviews and accounts', async () => {
    const body = await graphql<{
      products: {
        totalCount: number;
        edges: {
          node: {
            name: string;
            stock: { available: number };
            reviews: { edges: { node: { rating: number; author: { name: string } } }[] };
          };
        }[];
      };
    }>(`{ products(first: 5) { totalCount edges { node { name stock { available }
          reviews(first: 3) { edges { node { rating author { name } } } } } } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.products.totalCount).toBe(DEMO_SEED_PLAN.products);
    const nodes = body.data?.products.edges.map((edge) => edge.node) ?? [];
    expect(nodes).toHaveLength(5);
    expect(nodes.every((node) => typeof node.stock.available === 'number')).toBe(true);
    const authors = nodes.flatMap((node) => node.reviews.edges.map((review) => review.node.author.name));
    expect(authors.length).toBeGreaterThan(0);
    expect(authors.every((name) => name.length > 0)).toBe(true);
  });

  it('logs a seeded customer in, and refuses a wrong password', async () => {
    const token = await logIn('alice@shop.test', 'customer-password');
    const me = await graphql<{ me: { email: string } }>('{ me { email } }', {}, token);
    expect(me.data?.me.email).toBe('alice@shop.test');
    const wrong = await graphql(
      'mutation { logIn(email: "alice@shop.test", password: "not-her-password") { token } }',
    );
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('takes a checkout through the saga over NATS to CONFIRMED, and the stock follows', async () => {
    const token = await logIn('bob@shop.test', 'customer-password');
    const catalog = await graphql<{
      products: { edges: { node: { id: string; stock: { available: number } } }[] };
    }>('{ products(first: 20) { edges { node { id stock { available } } } } }');
    const product = catalog.data?.products.edges
      .map((edge) => edge.node)
      .find((node) => node.stock.available >= 2);
    expect(product, 'a seeded product in stock').toBeDefined();
    const placed = await graphql<{ placeOrder: { id: string } }>(
      `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
      {
        input: {
          lines: [{ productId: product?.id, quantity: 2 }],
          paymentToken: 'tok_ok',
          idempotencyKey: randomUUID(),
        },
      },
      token,
    );
    expect(placed.errors).toBeUndefined();
    const orderId = placed.data?.placeOrder.id;
    let status = 'PENDING';
    const deadline = Date.now() + 60_000;
    while (status === 'PENDING' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const order = await graphql<{ order: { status: string } }>(
        'query ($id: ID!) { order(id: $id) { status } }',
        { id: orderId },
        token,
      );
      status = order.data?.order.status ?? 'PENDING';
    }
    expect(status).toBe('CONFIRMED');
    // Inventory reserved the units when the order was placed: two fewer are for sale.
    const after = await graphql<{ product: { stock: { available: number } } }>(
      'query ($id: ID) { product(id: $id) { stock { available } } }',
      { id: product?.id },
    );
    expect(after.errors).toBeUndefined();
    expect(after.data?.product.stock.available).toBe((product?.stock.available ?? 0) - 2);
  });
});

describe.skipIf(withoutNats())('npm run start:distributed with a wrong environment', () => {
  const run = (env: Record<string, string | undefined>) =>
    spawnSync('npm', ['run', '--silent', 'start:distributed'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env },
    });

  it('refuses to start without NATS_URL, and says so', () => {
    const { env } = distributedEnvironment({ adminUrl, natsUrl });
    const result = run({ ...env, NATS_URL: undefined });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/NATS_URL/);
  });

  it('names every missing database URL and secret, and starts nothing', () => {
    const { env } = distributedEnvironment({ adminUrl, natsUrl });
    const [first] = SUBGRAPHS;
    const result = run({
      ...env,
      [`${first?.name.toUpperCase()}_DATABASE_URL`]: undefined,
      [subgraphSecretVariable(first?.name ?? '')]: undefined,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${first?.name.toUpperCase()}_DATABASE_URL is required`);
    expect(result.stderr).toContain(`${subgraphSecretVariable(first?.name ?? '')} is required`);
  });

  it('reads a secret from the file its _FILE variable names, and says which file it cannot read', () => {
    const { env } = distributedEnvironment({ adminUrl, natsUrl });
    const result = run({
      ...env,
      JWT_SIGNING_KEYS: undefined,
      JWT_SIGNING_KEYS_FILE: '/nonexistent/keys.json',
    });
    expect(result.status).toBe(1);
    expect(`${result.stderr}${result.stdout}`).toContain(
      'JWT_SIGNING_KEYS_FILE: cannot read /nonexistent/keys.json',
    );
  });
});

describe.skipIf(withoutNats())('Ctrl-C', () => {
  it('stops the gateway and every subgraph', async () => {
    await system.stop();
    expect(system.output.join('')).toContain('stopped');
    for (const spec of [GATEWAY, ...SUBGRAPHS])
      expect(await listening(spec.port + system.portOffset), spec.name).toBe(false);
  });
});
