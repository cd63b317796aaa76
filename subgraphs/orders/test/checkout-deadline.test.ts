import { randomUUID } from 'node:crypto';
import { DEMO_SEED_PLAN, seedProducts } from '@shop/devkit/seed';
import {
  connectEventSource,
  createTestEventBus,
  type EventSource,
  eventually,
  startTestReplica,
  startTestSubgraph,
  type TestEventBus,
  type TestSubgraph,
} from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import { newId } from '@shop/platform/ids';
import type { RunningSubgraph } from '@shop/platform/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import { overdueOrders, rejectOverdueOrders } from '../src/domain/checkout-deadline';
import { advanceCheckout } from '../src/domain/checkout-saga';
import type { Context } from '../src/subgraph';
import { createOrdersSubgraph } from '../src/subgraph';
import { alice, ORDER, type OrderView, ordersSubgraph, PLACE_ORDER } from './fixtures';

/**
 * The checkout deadline: an order nobody answers is rejected as TIMED_OUT once, by one of the
 * replicas sweeping, and a reply that comes late changes nothing, while a reply that comes in
 * time wins. This test stands in for inventory and payments (docs/checkout-and-events.md).
 */
const DEADLINE_SECONDS = 2;
const plan = { ...DEMO_SEED_PLAN, products: 5, users: 5, orders: 0 };
const products = seedProducts(plan);
const lines = [
  { productId: products[0]?.id ?? '', quantity: 2 },
  { productId: products[1]?.id ?? '', quantity: 1 },
];

type Orders = TestSubgraph<Tables, Context>;

async function placeOrder(service: Orders): Promise<OrderView> {
  const result = await service.execute<{ placeOrder: OrderView }>(
    PLACE_ORDER,
    { input: { lines, paymentToken: 'tok_ok', idempotencyKey: randomUUID() } },
    alice,
  );
  expect(result.errors).toBeUndefined();
  return result.data?.placeOrder ?? expect.unreachable('no order');
}

async function stateOf(service: Orders, orderId: string) {
  const [row] = await service.database.sql<{ state: string; failure_reason: string | null }[]>`
    select state, failure_reason from orders where id = ${orderId}`;
  return row;
}

const reachState = (service: Orders, orderId: string, state: string) =>
  eventually(
    async () => (await stateOf(service, orderId))?.state === state,
    `order ${orderId} to be ${state}`,
  );

async function transitions(service: Orders, orderId: string) {
  return service.database.sql<{ from_state: string | null; to_state: string; trigger: string }[]>`
    select from_state, to_state, trigger from order_transitions
    where order_id = ${orderId} order by occurred_at, id`;
}

/** What orders published about the order: types, and the reason of an order.rejected. */
async function published(service: Orders, orderId: string) {
  const rows = await service.database.sql<{ type: string; payload: Record<string, unknown> }[]>`
    select type, payload from outbox where payload->>'orderId' = ${orderId} order by occurred_at, id`;
  return rows.map((row) => (row.type === 'order.rejected' ? `${row.type} ${row.payload.reason}` : row.type));
}

const handled = (service: Orders, eventId: string) =>
  eventually(async () => {
    const rows = await service.database.sql`select 1 from inbox where event_id = ${eventId}`;
    return rows.length === 1;
  }, `event ${eventId} to be handled`);

/** inventory's stock.reserved, handed to the saga as the orders consumer does. */
const reserved = (service: Orders, orderId: string) =>
  service.database.db.transaction((tx) =>
    advanceCheckout(tx, 'stock.reserved', orderId, { id: newId(), type: 'stock.reserved' }),
  );

const charged = (order: OrderView) => ({ orderId: order.id, paymentId: randomUUID(), amount: order.total });

for (const transport of ['pg-boss', 'nats'] as const) {
  describe.skipIf(transport === 'nats' && withoutNats())(`two replicas sweeping, on ${transport}`, () => {
    let bus: TestEventBus;
    let replicaA: Orders;
    let replicaB: RunningSubgraph<Tables, Context>;
    let source: EventSource;

    beforeAll(async () => {
      bus = await createTestEventBus(transport, {
        retry: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 2000 },
      });
      const definition = await createOrdersSubgraph({ checkoutDeadlineSeconds: DEADLINE_SECONDS });
      replicaA = await startTestSubgraph(definition, { events: bus.options });
      await seed(replicaA.database.db, plan);
      replicaB = await startTestReplica(definition, replicaA, bus.options);
      source = await connectEventSource(bus.options);
    });

    afterAll(async () => {
      await source?.close();
      await replicaB?.stop();
      await replicaA?.stop();
      await bus?.drop();
    });

    it('rejects every order nobody answers as TIMED_OUT exactly once, from whichever state it waited in', async () => {
      const waitingForStock = await Promise.all(Array.from({ length: 10 }, () => placeOrder(replicaA)));
      const waitingForPayment = await Promise.all(Array.from({ length: 10 }, () => placeOrder(replicaA)));
      // Reserved at once, in the consumer's own step rather than across the bus, so that a busy
      // machine cannot make the reply lose the race this test is not about.
      for (const order of waitingForPayment) await reserved(replicaA, order.id);
      for (const order of [...waitingForStock, ...waitingForPayment])
        await reachState(replicaA, order.id, 'REJECTED');

      for (const order of waitingForStock) {
        expect(await stateOf(replicaA, order.id)).toEqual({ state: 'REJECTED', failure_reason: 'TIMED_OUT' });
        expect(await transitions(replicaA, order.id)).toEqual([
          { from_state: null, to_state: 'RESERVING_STOCK', trigger: 'placeOrder' },
          { from_state: 'RESERVING_STOCK', to_state: 'REJECTED', trigger: 'deadline' },
        ]);
        expect(await published(replicaA, order.id)).toEqual(['order.placed', 'order.rejected TIMED_OUT']);
      }
      for (const order of waitingForPayment) {
        expect((await transitions(replicaA, order.id)).slice(1)).toEqual([
          { from_state: 'RESERVING_STOCK', to_state: 'CHARGING_PAYMENT', trigger: 'stock.reserved' },
          { from_state: 'CHARGING_PAYMENT', to_state: 'REJECTED', trigger: 'deadline' },
        ]);
        expect(await published(replicaA, order.id)).toEqual([
          'order.placed',
          'order.payment_requested',
          'order.rejected TIMED_OUT',
        ]);
      }
      // The rejection names the lines, so inventory knows what to release without asking.
      const [rejection] = await replicaA.database.sql<{ payload: Record<string, unknown> }[]>`
        select payload from outbox where type = 'order.rejected' and payload->>'orderId' = ${waitingForStock[0]?.id ?? ''}`;
      expect(rejection?.payload).toEqual({
        orderId: waitingForStock[0]?.id,
        userId: alice.userId,
        reason: 'TIMED_OUT',
        lines,
      });

      const view = await replicaA.execute<{ order: OrderView }>(ORDER, { id: waitingForStock[0]?.id }, alice);
      expect(view.data?.order).toMatchObject({
        status: 'REJECTED',
        state: 'REJECTED',
        failureReason: 'TIMED_OUT',
      });
    });

    it('changes nothing when the reply comes after the deadline', async () => {
      const [lateStock, latePayment] = [await placeOrder(replicaA), await placeOrder(replicaA)];
      await reserved(replicaA, latePayment.id);
      await reachState(replicaA, lateStock.id, 'REJECTED');
      await reachState(replicaA, latePayment.id, 'REJECTED');
      const before = await Promise.all(
        [lateStock, latePayment].map(async (order) => [
          await transitions(replicaA, order.id),
          await published(replicaA, order.id),
        ]),
      );

      const late = await source.publish(
        source.envelope('inventory', 'stock.reserved', { orderId: lateStock.id }),
        source.envelope('inventory', 'stock.reservation_failed', {
          orderId: lateStock.id,
          reason: 'OUT_OF_STOCK',
          productIds: [lines[0]?.productId],
        }),
        source.envelope('payments', 'payment.charged', charged(latePayment)),
        source.envelope('payments', 'payment.declined', { ...charged(latePayment), reason: 'declined' }),
      );
      for (const event of late) await handled(replicaA, event.id);

      for (const order of [lateStock, latePayment])
        expect(await stateOf(replicaA, order.id)).toEqual({ state: 'REJECTED', failure_reason: 'TIMED_OUT' });
      const after = await Promise.all(
        [lateStock, latePayment].map(async (order) => [
          await transitions(replicaA, order.id),
          await published(replicaA, order.id),
        ]),
      );
      expect(after).toEqual(before);
      expect(await replicaA.database.sql`select 1 from dead_letters`).toHaveLength(0);
    });

    it('leaves an order whose replies came in time alone', async () => {
      const order = await placeOrder(replicaA);
      await source.publish(source.envelope('inventory', 'stock.reserved', { orderId: order.id }));
      await reachState(replicaA, order.id, 'CHARGING_PAYMENT');
      await source.publish(source.envelope('payments', 'payment.charged', charged(order)));
      await reachState(replicaA, order.id, 'CONFIRMED');
      // Several sweeps of both replicas go by.
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_SECONDS * 2000));
      expect(await stateOf(replicaA, order.id)).toEqual({ state: 'CONFIRMED', failure_reason: null });
      expect((await transitions(replicaA, order.id)).map((step) => step.trigger)).not.toContain('deadline');
    });
  });
}

/**
 * The race itself, step by step on one database with nothing sweeping on its own (the default
 * deadline): orders made overdue by moving their placing back, swept by calling the sweep.
 */
describe('the deadline racing a reply', () => {
  let service: Orders;

  beforeAll(async () => {
    service = await startTestSubgraph(ordersSubgraph);
    await seed(service.database.db, plan);
  });
  afterAll(() => service?.stop());

  const deadline = 900;

  async function overdueOrder(): Promise<OrderView> {
    const order = await placeOrder(service);
    await service.database.sql`
      update orders set created_at = now() - ${deadline + 1} * interval '1 second' where id = ${order.id}`;
    return order;
  }

  /** inventory's stock.reserved, in the caller's transaction. */
  const reservedIn = (tx: Db, orderId: string) =>
    advanceCheckout(tx, 'stock.reserved', orderId, { id: newId(), type: 'stock.reserved' });

  /** Opens a transaction that does `work`, and commits it only once `release` is called. */
  function heldOpen<T>(work: (tx: Db) => Promise<T>) {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let done = () => {};
    const worked = new Promise<void>((resolve) => {
      done = resolve;
    });
    const committed = service.database.db.transaction(async (tx) => {
      const result = await work(tx);
      done();
      await released;
      return result;
    });
    return { worked, release, committed };
  }

  it('lets a reply that holds the order when the deadline comes win: the sweep passes it by', async () => {
    const order = await overdueOrder();
    const replying = heldOpen((tx) => reservedIn(tx, order.id));
    await replying.worked;
    expect(await rejectOverdueOrders(service.database.db, deadline)).toBe(0);
    replying.release();
    await replying.committed;
    expect(await stateOf(service, order.id)).toEqual({ state: 'CHARGING_PAYMENT', failure_reason: null });
    // Still unanswered at the next sweep, the order is overdue yet: it times out now.
    expect(await rejectOverdueOrders(service.database.db, deadline)).toBe(1);
    expect((await transitions(service, order.id)).map((step) => step.trigger)).toEqual([
      'placeOrder',
      'stock.reserved',
      'deadline',
    ]);
  });

  it('makes a reply that comes once the deadline has struck a no-op, however close behind', async () => {
    const order = await overdueOrder();
    const sweeping = heldOpen((tx) => rejectOverdueOrders(tx, deadline));
    await sweeping.worked;
    // The reply blocks on the order's row until the sweep commits, then finds it rejected.
    const replied = service.database.db.transaction((tx) => reservedIn(tx, order.id));
    await new Promise((resolve) => setTimeout(resolve, 200));
    sweeping.release();
    expect(await sweeping.committed).toBe(1);
    await replied;
    expect(await stateOf(service, order.id)).toEqual({ state: 'REJECTED', failure_reason: 'TIMED_OUT' });
    expect((await transitions(service, order.id)).map((step) => step.trigger)).toEqual([
      'placeOrder',
      'deadline',
    ]);
    expect(await published(service, order.id)).toEqual(['order.placed', 'order.rejected TIMED_OUT']);
  });

  it('rejects each overdue order once when replicas sweep at the same moment', async () => {
    const overdue = await Promise.all(Array.from({ length: 30 }, () => overdueOrder()));
    const swept = await Promise.all(
      Array.from({ length: 4 }, () => rejectOverdueOrders(service.database.db, deadline)),
    );
    expect(swept.reduce((sum, count) => sum + count, 0)).toBe(overdue.length);
    const [row] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from order_transitions
      where trigger = 'deadline' and order_id = any(${overdue.map((order) => order.id)}::uuid[])`;
    expect(row?.count).toBe(overdue.length);
  });

  it('finds overdue orders through the partial index of waiting orders', async () => {
    const query = overdueOrders(service.database.db, deadline).toSQL();
    const plan = await service.database.sql.begin(async (sql) => {
      // The table is small enough here for a scan to be cheaper: this asks whether the index fits.
      await sql`set local enable_seqscan = off`;
      return sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain ${query.sql}`, query.params as never[]);
    });
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('orders_waiting_since_idx');
  });
});
