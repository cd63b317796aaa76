import { randomUUID } from 'node:crypto';
import { seedIds } from '@shop/devkit/seed';
import { testNatsUrl } from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DistributedLaunch, launchDistributed } from '../../scripts/distributed/launch';
import {
  CheckoutClient,
  type OrderView,
  ROOMY_GATEWAY_ENV,
  readProcessorLedger,
  type StockView,
  sleep,
} from '../src/checkout';
import type { GraphQLResponse } from '../src/test-stack';

// Horizontal scaling, with `npm run start:distributed` itself: two processes each of orders,
// inventory and payments (every service of the saga) and two gateways at once, each pair sharing one address through the launcher's
// balancer. A rush of concurrent orders on one product, sent to both gateways in turn, must sell
// exactly the stock, every event must be handled once across the replicas (the inbox row of each
// event id, once per consumer), and the saga's invariants must hold.
const natsUrl = testNatsUrl();
const adminUrl = inject('databaseUrl');

const STOCKED = 50;
const ORDERS = 200;
const REPLICAS = { orders: 2, inventory: 2, payments: 2, gateway: 2 };

let system: DistributedLaunch;
let client: CheckoutClient;
/** Replica i (1-based) of a service: its own port, port + 100·i (see start-distributed.ts). */
const replicaUrl = (port: number, replica: number) =>
  `http://127.0.0.1:${port + system.portOffset + 100 * replica}`;
const databaseUrl = (service: string) => system.env[`${service.toUpperCase()}_DATABASE_URL`] as string;

beforeAll(async () => {
  system = await launchDistributed({
    adminUrl,
    natsUrl,
    replicas: REPLICAS,
    args: ['--create-databases', '--seed'],
    // Nine subgraph processes on the test server, which other test files share: small pools.
    env: { ...ROOMY_GATEWAY_ENV, DATABASE_POOL_MAX: '4' },
  });
  // Every other request to the other gateway process.
  let turn = 0;
  const gateways = [replicaUrl(4000, 1), replicaUrl(4000, 2)];
  const bothGateways = {
    async graphql<TData>(
      query: string,
      variables?: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) {
      const response = await fetch(`${gateways[turn++ % gateways.length]}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        body: (await response.json()) as GraphQLResponse<TData>['body'],
      };
    },
  };
  client = await CheckoutClient.open(bothGateways, 4);
}, 300_000);
afterAll(() => system?.destroy());

/** events_consumed_total of one replica's /metrics, for one event type and outcome. */
async function consumed(url: string, type: string, outcome: 'handled' | 'duplicate'): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('events_consumed_total{') &&
        line.includes(`type="${type}"`) &&
        line.includes(`outcome="${outcome}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function query<TRow extends Record<string, unknown>>(
  service: string,
  text: string,
  parameters: unknown[] = [],
): Promise<TRow[]> {
  const sql = postgres(databaseUrl(service), { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text, parameters as never[])) as unknown as TRow[];
  } finally {
    await sql.end();
  }
}

/**
 * For every event of `type` that `producer` wrote to its outbox: how many inbox rows `consumer`
 * has for it, waiting (up to `timeoutMs`) for events still on their way.
 */
async function inboxRowsPerEvent(
  producer: string,
  type: string,
  consumer: string,
  timeoutMs = 30_000,
): Promise<{ events: number; rowsPerEvent: Map<string, number> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = (
      await query<{ id: string }>(producer, 'select id::text as id from outbox where type = $1', [type])
    ).map((row) => row.id);
    const rows = await query<{ id: string; rows: number }>(
      consumer,
      'select event_id::text as id, count(*)::int as rows from inbox where event_id = any($1::uuid[]) group by event_id',
      [ids],
    );
    const rowsPerEvent = new Map(ids.map((id) => [id, 0]));
    for (const row of rows) rowsPerEvent.set(row.id, row.rows);
    if ([...rowsPerEvent.values()].every((count) => count > 0) || Date.now() > deadline)
      return { events: ids.length, rowsPerEvent };
    await sleep(250);
  }
}

describe.skipIf(withoutNats())('two orders, two inventory, two payments and two gateway processes', () => {
  let finals: OrderView[] = [];
  let before: StockView;
  const product = seedIds.product(7);

  it(`sells exactly ${STOCKED} units to ${ORDERS} concurrent orders sent to both gateways`, async () => {
    // A seeded product has past sales: its `sold` stays, `available` becomes the rush's stock.
    before = await client.setStock(product, STOCKED);
    expect(before).toMatchObject({ available: STOCKED, reserved: 0 });

    const samples: StockView[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const sample = await client.stock(product).catch(() => null);
        if (sample) samples.push(sample);
        await sleep(50);
      }
    })();
    try {
      const orders = await Promise.all(
        Array.from({ length: ORDERS }, (_, index) =>
          client.placeRetrying(client.customer(index), {
            lines: [{ productId: product, quantity: 1 }],
            paymentToken: 'tok_ok',
            idempotencyKey: randomUUID(),
          }),
        ),
      );
      expect(new Set(orders.map((order) => order.id)).size).toBe(ORDERS);
      finals = [
        ...(
          await client.waitUntilFinal(
            orders.map((order) => order.id),
            120_000,
          )
        ).values(),
      ];
    } finally {
      sampling = false;
      await sampler;
    }

    const confirmed = finals.filter((order) => order.status === 'CONFIRMED');
    const rejected = finals.filter((order) => order.status === 'REJECTED');
    expect(confirmed).toHaveLength(STOCKED);
    expect(rejected).toHaveLength(ORDERS - STOCKED);
    for (const order of rejected) {
      expect(order).toMatchObject({ state: 'REJECTED', failureReason: 'OUT_OF_STOCK', payment: null });
    }
    for (const order of confirmed) {
      expect(order).toMatchObject({ state: 'CONFIRMED', failureReason: null });
      expect(order.payment).toMatchObject({ status: 'CHARGED', amount: order.total });
    }

    const settled = await client.waitForStock(product, (stock) => stock.reserved === 0, 30_000);
    expect(settled).toEqual({ available: 0, reserved: 0, sold: before.sold + STOCKED });
    expect(samples.length).toBeGreaterThan(5);
    for (const sample of samples) {
      expect(sample.available).toBeGreaterThanOrEqual(0);
      expect(sample.reserved).toBeGreaterThanOrEqual(0);
      expect(sample.available + sample.reserved + sample.sold).toBe(STOCKED + before.sold);
    }
  }, 300_000);

  it('keeps the reservations and the payment processor in line with the orders', async () => {
    const rushIds = finals.map((order) => order.id);
    const reservations = await query<{ status: string; count: number }>(
      'inventory',
      'select status, count(*)::int as count from reservations where order_id = any($1::uuid[]) group by status',
      [rushIds],
    );
    // Rejected orders never held stock (all-or-nothing); confirmed ones' units are committed.
    expect(Object.fromEntries(reservations.map((row) => [row.status, row.count]))).toEqual({
      COMMITTED: STOCKED,
    });
    const ledger = (await readProcessorLedger(databaseUrl('payments'))).filter((operation) =>
      rushIds.includes(operation.orderId),
    );
    const confirmedIds = finals.filter((order) => order.status === 'CONFIRMED').map((order) => order.id);
    expect(
      ledger
        .filter((operation) => operation.kind === 'charge' && operation.succeeded)
        .map((o) => o.orderId)
        .sort(),
    ).toEqual([...confirmedIds].sort());
    expect(ledger.filter((operation) => operation.kind === 'refund')).toEqual([]);
  });

  it('handles every event once across the replicas: one inbox row per event id and consumer', async () => {
    const routes: [producer: string, type: string, consumer: string][] = [
      ['orders', 'order.placed', 'inventory'],
      ['inventory', 'stock.reserved', 'orders'],
      ['inventory', 'stock.reservation_failed', 'orders'],
      ['orders', 'order.payment_requested', 'payments'],
      ['payments', 'payment.charged', 'orders'],
      ['orders', 'order.confirmed', 'inventory'],
      ['orders', 'order.confirmed', 'reviews'],
      ['orders', 'order.rejected', 'inventory'],
    ];
    for (const [producer, type, consumer] of routes) {
      const { events, rowsPerEvent } = await inboxRowsPerEvent(producer, type, consumer);
      expect(events, `${type} events`).toBeGreaterThan(0);
      const notOnce = [...rowsPerEvent].filter(([, rows]) => rows !== 1);
      expect(notOnce, `${type} in ${consumer}'s inbox`).toEqual([]);
    }
    for (const service of ['orders', 'inventory', 'payments', 'reviews'])
      expect(await query(service, 'select event_id, consumer, reason from dead_letters'), service).toEqual(
        [],
      );
  });

  it('shares the work between the replicas of orders, of inventory and of payments', async () => {
    for (const [service, port, type] of [
      ['orders', 4005, 'stock.reservation_failed'],
      ['inventory', 4003, 'order.placed'],
      ['payments', 4006, 'order.payment_requested'],
    ] as const) {
      const handled = await Promise.all(
        [1, 2].map((replica) => consumed(replicaUrl(port, replica), type, 'handled')),
      );
      // Both replicas took part, and together they handled each event exactly once.
      for (const count of handled) expect(count, `${service} replicas: ${handled}`).toBeGreaterThan(0);
      const [row] = await query<{ count: number }>(
        service,
        'select count(*)::int as count from inbox where type = $1',
        [type],
      );
      expect(handled.reduce((sum, count) => sum + count, 0)).toBe(row?.count);
    }
  });
});
