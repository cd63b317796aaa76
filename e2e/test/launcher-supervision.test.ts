import { type SeedPlan, seedIds } from '@shop/devkit/seed';
import { type LauncherHealth, startLauncherHealth } from '@shop/scripts/lib/launcher-health';
import { SUBGRAPHS } from '@shop/scripts/lib/services';
import { DEFAULT_RESTART_POLICY, type ServiceStatus } from '@shop/scripts/lib/supervisor';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessTokenSignedWith } from '../src/access-tokens';
import { startTestStack, type TestStack } from '../src/test-stack';

/**
 * `npm start`'s supervision: the stack built as the launcher builds it (same restart policy, same
 * /health), each subgraph killed with SIGKILL in turn while clients keep asking, and nobody
 * restarting anything by hand. Giving up on a crash loop: scripts/test/supervisor.test.ts.
 */
const PLAN: SeedPlan = { seed: 11, categories: 4, products: 20, users: 4, reviews: 60, orders: 12 };

// One answer that needs every subgraph: catalog, stock, reviews and their authors, the caller's
// orders and their payments.
const EVERY_SUBGRAPH = /* GraphQL */ `
  query EverySubgraph {
    products(first: 4) {
      edges { node { id name inStock reviewCount reviews(first: 2) { edges { node { rating author { name } } } } } }
    }
    me { name orders(first: 3) { edges { node { id status payment { status } } } } }
  }
`;

interface EverySubgraph {
  products: { edges: { node: { name: string; inStock: boolean; reviews: { edges: unknown[] } } }[] };
  me: { name: string; orders: { edges: { node: { payment: { status: string } | null } }[] } } | null;
}

let stack: TestStack;
let health: LauncherHealth;
let token: string;

beforeAll(async () => {
  stack = await startTestStack({ seed: PLAN, restart: DEFAULT_RESTART_POLICY });
  health = await startLauncherHealth({ host: '127.0.0.1', port: 0, services: () => stack.status() });
  const key = stack.secrets.signingKeys[0];
  if (!key) throw new Error('the stack has no token signing key');
  // The demo customer 0 has every fourth seeded order, so orders and payments both answer.
  token = accessTokenSignedWith(key, { sub: seedIds.user(0), role: 'CUSTOMER', scope: '' });
}, 180_000);
afterAll(async () => {
  await health?.close();
  await stack?.stop();
});

async function ask(): Promise<'whole' | 'partial'> {
  try {
    const { status, body } = await stack.graphql<EverySubgraph>(
      EVERY_SUBGRAPH,
      {},
      { authorization: `Bearer ${token}` },
    );
    const data = body.data;
    const whole =
      status === 200 &&
      body.errors === undefined &&
      data?.products.edges.length === 4 &&
      data.products.edges.every((edge) => edge.node.reviews.edges.length > 0) &&
      (data.me?.orders.edges.length ?? 0) > 0 &&
      (data.me?.orders.edges ?? []).every((edge) => edge.node.payment?.status === 'CHARGED');
    return whole ? 'whole' : 'partial';
  } catch {
    return 'partial';
  }
}

async function launcherHealth(): Promise<{
  status: number;
  body: { status: string; services: ServiceStatus[] };
}> {
  const response = await fetch(`http://127.0.0.1:${health.port}/health`);
  return { status: response.status, body: (await response.json()) as never };
}

const serviceIn = (services: ServiceStatus[], name: string) =>
  services.find((service) => service.name === name) ?? expect.unreachable(`no ${name} in /health`);

it('restarts each subgraph killed with SIGKILL under load: whole answers again within 10 s each time, /health counts the restarts', async () => {
  expect(await ask()).toBe('whole');
  const before = await launcherHealth();
  expect(before.status).toBe(200);
  expect(before.body.status).toBe('ok');

  // Light load: two clients asking one after the other all along.
  let loading = true;
  let answered = 0;
  const clients = Array.from({ length: 2 }, async () => {
    while (loading) {
      await ask();
      answered += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  const recovery: Record<string, number> = {};
  // Of each recovery, how long the new process took to listen (the rest is the gateway noticing).
  const listening: Record<string, number> = {};
  for (const spec of SUBGRAPHS) {
    const victim = stack.subgraphs.get(spec.name) ?? expect.unreachable(`no ${spec.name}`);
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    const listened = (async () => {
      while (stack.subgraphs.get(spec.name) === victim && performance.now() - killedAt < 30_000)
        await new Promise((resolve) => setTimeout(resolve, 20));
      return performance.now();
    })();
    // Down now: the answer is partial until the launcher has brought it back.
    let wholeAt: number | null = null;
    while (wholeAt === null && performance.now() - killedAt < 30_000) {
      if ((await ask()) === 'whole') wholeAt = performance.now();
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    recovery[spec.name] = Math.round((wholeAt ?? Number.POSITIVE_INFINITY) - killedAt);
    listening[spec.name] = Math.round((await listened) - killedAt);
    const restarted = stack.subgraphs.get(spec.name);
    expect(restarted?.child.pid).not.toBe(victim.child.pid);
    expect(restarted?.port).toBe(victim.port);
  }
  loading = false;
  await Promise.all(clients);
  console.info(
    `whole again after SIGKILL (ms): ${JSON.stringify(recovery)}, listening again (ms): ${JSON.stringify(listening)}; ${answered} answers under load`,
  );
  // The goal is 10 s per kill (measured 3-4.5 s). Nearly all of it is the new process loading its
  // modules (~1.8 s of CPU), so this file runs after the rest of the suite (vitest.config.ts): in
  // parallel with it that load stretched to 8-11 s. The launcher's and the gateway's own part is
  // held apart: at most 3 s past listening again (the gateway's circuit tries again after 2 s).
  for (const spec of SUBGRAPHS) {
    expect(recovery[spec.name], spec.name).toBeLessThan(10_000);
    expect((recovery[spec.name] ?? 0) - (listening[spec.name] ?? 0), spec.name).toBeLessThan(3_000);
  }

  const after = await launcherHealth();
  expect(after.status).toBe(200);
  expect(after.body.status).toBe('ok');
  for (const spec of SUBGRAPHS) {
    const service = serviceIn(after.body.services, spec.name);
    expect(service).toMatchObject({
      state: 'running',
      restarts: 1,
      port: stack.subgraphs.get(spec.name)?.port,
    });
    expect(service.lastExit?.code).toBe('SIGKILL');
  }
  expect(serviceIn(after.body.services, 'gateway')).toMatchObject({ state: 'running', restarts: 0 });
}, 180_000);
