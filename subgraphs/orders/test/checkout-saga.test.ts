import { randomUUID } from 'node:crypto';
import { DEMO_SEED_PLAN, seedProducts } from '@shop/devkit/seed';
import {
  createTestEventBus,
  eventually,
  startTestSubgraph,
  type TestEventBus,
  type TestSubgraph,
} from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import { connectEventTransport, type EventEnvelope, type EventTransport } from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { createLogger } from '@shop/platform/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import { applyTransition } from '../src/domain/checkout-saga';
import type { Context } from '../src/subgraph';
import { alice, bob, CANCEL_ORDER, ORDER, type OrderView, ordersSubgraph, PLACE_ORDER } from './fixtures';

/**
 * The saga driven the way it runs: orders on a real bus, and this test in the place of inventory
 * and payments, publishing their replies (docs/checkout-and-events.md) and reading what orders wrote back.
 */
let bus: TestEventBus;
let service: TestSubgraph<Tables, Context>;
let producers: EventTransport;
const plan = { ...DEMO_SEED_PLAN, products: 10, users: 5, orders: 0 };
const products = seedProducts(plan);
const product = (index: number) => products[index] ?? expect.unreachable(`no seed product ${index}`);

async function start(transport: 'pg-boss' | 'nats') {
  // Enough attempts for an early event to wait for the one it follows.
  bus = await createTestEventBus(transport, {
    retry: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 2000 },
  });
  service = await startTestSubgraph(ordersSubgraph, { events: bus.options });
  await seed(service.database.db, plan);
  producers = await connectEventTransport(bus.options, 'saga-test', createLogger('saga-test', 'silent'));
  for (const producer of ['inventory', 'payments', 'products']) await producers.prepareProducer(producer);
}

async function stop() {
  await producers?.close();
  await service?.stop();
  await bus?.drop();
}

/** Publishes an event as `producer` would; returns its envelope (the id is what the inbox records). */
async function emit(producer: string, type: string, payload: unknown, id = newId()): Promise<EventEnvelope> {
  const envelope: EventEnvelope = {
    id,
    type,
    version: 1,
    producer,
    occurredAt: new Date().toISOString(),
    traceContext: {},
    payload,
  };
  const [result] = await producers.publish([envelope]);
  expect(result).toEqual({ ok: true });
  return envelope;
}

async function placeOrder(paymentToken = 'tok_ok', caller = alice): Promise<OrderView> {
  const result = await service.execute<{ placeOrder: OrderView }>(
    PLACE_ORDER,
    {
      input: {
        lines: [
          { productId: product(0).id, quantity: 2 },
          { productId: product(1).id, quantity: 1 },
        ],
        paymentToken,
        idempotencyKey: randomUUID(),
      },
    },
    caller,
  );
  expect(result.errors).toBeUndefined();
  return result.data?.placeOrder ?? expect.unreachable('no order');
}

async function stateOf(orderId: string) {
  const [row] = await service.database.sql<{ state: string; failure_reason: string | null }[]>`
    select state, failure_reason from orders where id = ${orderId}`;
  return row;
}

const reachState = (orderId: string, state: string) =>
  eventually(async () => (await stateOf(orderId))?.state === state, `order ${orderId} to be ${state}`);

const handled = (eventId: string) =>
  eventually(async () => {
    const rows = await service.database.sql`select 1 from inbox where event_id = ${eventId}`;
    return rows.length === 1;
  }, `event ${eventId} to be handled`);

/** What orders published about the order, in order. */
async function published(orderId: string) {
  return service.database.sql<{ id: string; type: string; payload: Record<string, unknown> }[]>`
    select id, type, payload from outbox where payload->>'orderId' = ${orderId} order by occurred_at, id`;
}

async function transitions(orderId: string) {
  return service.database.sql<
    { from_state: string | null; to_state: string; trigger: string; trigger_event_id: string | null }[]
  >`select from_state, to_state, trigger, trigger_event_id from order_transitions
    where order_id = ${orderId} order by occurred_at, id`;
}

async function viewOf(orderId: string, caller = alice): Promise<OrderView> {
  const result = await service.execute<{ order: OrderView }>(ORDER, { id: orderId }, caller);
  expect(result.errors).toBeUndefined();
  return result.data?.order ?? expect.unreachable('no order');
}

/** Drives an order through reservation and payment to CONFIRMED. */
async function confirmedOrder(caller = alice): Promise<OrderView> {
  const order = await placeOrder('tok_ok', caller);
  await emit('inventory', 'stock.reserved', { orderId: order.id });
  await reachState(order.id, 'CHARGING_PAYMENT');
  await emit('payments', 'payment.charged', {
    orderId: order.id,
    paymentId: randomUUID(),
    amount: order.total,
  });
  await reachState(order.id, 'CONFIRMED');
  return order;
}

const quantities = [
  { productId: product(0).id, quantity: 2 },
  { productId: product(1).id, quantity: 1 },
];

async function failuresOf(type: string): Promise<number> {
  const metric = await service.metrics.events.handlerFailures.get();
  return metric.values
    .filter((value) => value.labels.type === type)
    .reduce((sum, value) => sum + value.value, 0);
}

// Both buses the system runs on: pg-boss (embedded) and NATS JetStream (distributed).
for (const transport of ['pg-boss', 'nats'] as const) {
  describe.skipIf(transport === 'nats' && withoutNats())(`on ${transport}`, () => {
    beforeAll(() => start(transport));
    afterAll(stop);

    describe('the checkout saga', () => {
      it('reserves, charges and confirms, each step a transition and an event', async () => {
        const order = await placeOrder();
        const reserved = await emit('inventory', 'stock.reserved', { orderId: order.id });
        await reachState(order.id, 'CHARGING_PAYMENT');
        expect((await viewOf(order.id)).status).toBe('PENDING');
        const paymentRequested = (await published(order.id)).find(
          (event) => event.type === 'order.payment_requested',
        );
        expect(paymentRequested?.payload).toEqual({
          orderId: order.id,
          userId: alice.userId,
          amount: order.total,
          paymentToken: 'tok_ok',
        });

        const charged = await emit('payments', 'payment.charged', {
          orderId: order.id,
          paymentId: randomUUID(),
          amount: order.total,
        });
        await reachState(order.id, 'CONFIRMED');
        expect(await viewOf(order.id)).toMatchObject({
          status: 'CONFIRMED',
          state: 'CONFIRMED',
          failureReason: null,
        });
        expect((await viewOf(order.id)).history.map((step) => [step.previousState, step.state])).toEqual([
          [null, 'RESERVING_STOCK'],
          ['RESERVING_STOCK', 'CHARGING_PAYMENT'],
          ['CHARGING_PAYMENT', 'CONFIRMED'],
        ]);
        const events = await published(order.id);
        expect(events.map((event) => event.type)).toEqual([
          'order.placed',
          'order.payment_requested',
          'order.confirmed',
        ]);
        expect(events[2]?.payload).toEqual({ orderId: order.id, userId: alice.userId, lines: quantities });
        expect(await transitions(order.id)).toEqual([
          { from_state: null, to_state: 'RESERVING_STOCK', trigger: 'placeOrder', trigger_event_id: null },
          {
            from_state: 'RESERVING_STOCK',
            to_state: 'CHARGING_PAYMENT',
            trigger: 'stock.reserved',
            trigger_event_id: reserved.id,
          },
          {
            from_state: 'CHARGING_PAYMENT',
            to_state: 'CONFIRMED',
            trigger: 'payment.charged',
            trigger_event_id: charged.id,
          },
        ]);
      });

      it('moves an order a step in few statements: the lines read only when its event carries them', async () => {
        const order = await placeOrder('tok_ok');
        const cost = async (trigger: 'stock.reserved' | 'payment.charged') => {
          const before = await service.queryCount();
          const result = await service.database.db.transaction((tx) =>
            applyTransition(tx, order.id, trigger, { eventId: newId() }),
          );
          expect(result.outcome).toBe('applied');
          return (await service.queryCount()) - before;
        };
        // begin, the conditional update, order.payment_requested, the transition with its NOTIFY, commit
        expect(await cost('stock.reserved')).toBe(5);
        // the same and the lines, which order.confirmed carries
        expect(await cost('payment.charged')).toBe(6);
        expect((await transitions(order.id)).map((row) => row.to_state)).toEqual([
          'RESERVING_STOCK',
          'CHARGING_PAYMENT',
          'CONFIRMED',
        ]);
      });

      it('rejects an order out of stock, telling inventory to release what it holds', async () => {
        const order = await placeOrder();
        await emit('inventory', 'stock.reservation_failed', {
          orderId: order.id,
          reason: 'OUT_OF_STOCK',
          productIds: [product(1).id],
        });
        await reachState(order.id, 'REJECTED');
        expect(await viewOf(order.id)).toMatchObject({
          status: 'REJECTED',
          state: 'REJECTED',
          failureReason: 'OUT_OF_STOCK',
        });
        const events = await published(order.id);
        expect(events.map((event) => event.type)).toEqual(['order.placed', 'order.rejected']);
        expect(events[1]?.payload).toEqual({
          orderId: order.id,
          userId: alice.userId,
          reason: 'OUT_OF_STOCK',
          lines: quantities,
        });
      });

      it('rejects an order whose payment is declined, after stock was reserved', async () => {
        const order = await placeOrder('tok_declined');
        await emit('inventory', 'stock.reserved', { orderId: order.id });
        await reachState(order.id, 'CHARGING_PAYMENT');
        await emit('payments', 'payment.declined', {
          orderId: order.id,
          paymentId: randomUUID(),
          reason: 'declined',
        });
        await reachState(order.id, 'REJECTED');
        expect(await viewOf(order.id)).toMatchObject({
          status: 'REJECTED',
          failureReason: 'PAYMENT_DECLINED',
        });
        const events = await published(order.id);
        expect(events.map((event) => event.type)).toEqual([
          'order.placed',
          'order.payment_requested',
          'order.rejected',
        ]);
        expect(events[2]?.payload).toMatchObject({ reason: 'PAYMENT_DECLINED', lines: quantities });
        // A rejected order has nothing to cancel.
        const cancel = await service.execute(CANCEL_ORDER, { id: order.id }, alice);
        expect(cancel.errors?.[0]?.extensions?.code).toBe('CONFLICT');
        expect(cancel.errors?.[0]?.message).toMatch(/rejected/);
      });

      it('cancels a confirmed order: CANCELLING until the refund, then CANCELLED with the stock put back', async () => {
        const order = await confirmedOrder();
        const cancelled = await service.execute<{ cancelOrder: OrderView }>(
          CANCEL_ORDER,
          { id: order.id },
          alice,
        );
        expect(cancelled.errors).toBeUndefined();
        expect(cancelled.data?.cancelOrder).toMatchObject({ status: 'CONFIRMED', state: 'CANCELLING' });
        let events = await published(order.id);
        expect(events.at(-1)).toMatchObject({
          type: 'order.cancellation_requested',
          payload: { orderId: order.id, userId: alice.userId },
        });

        // Asking again while it cancels changes nothing.
        const again = await service.execute<{ cancelOrder: OrderView }>(
          CANCEL_ORDER,
          { id: order.id },
          alice,
        );
        expect(again.data?.cancelOrder.state).toBe('CANCELLING');
        expect(await published(order.id)).toHaveLength(events.length);

        const refunded = await emit('payments', 'payment.refunded', {
          orderId: order.id,
          paymentId: randomUUID(),
          amount: order.total,
        });
        await reachState(order.id, 'CANCELLED');
        expect(await viewOf(order.id)).toMatchObject({ status: 'CANCELLED', state: 'CANCELLED' });
        events = await published(order.id);
        expect(events.at(-1)).toMatchObject({
          type: 'order.cancelled',
          payload: { orderId: order.id, userId: alice.userId, lines: quantities },
        });
        expect((await transitions(order.id)).slice(-2)).toEqual([
          { from_state: 'CONFIRMED', to_state: 'CANCELLING', trigger: 'cancelOrder', trigger_event_id: null },
          {
            from_state: 'CANCELLING',
            to_state: 'CANCELLED',
            trigger: 'payment.refunded',
            trigger_event_id: refunded.id,
          },
        ]);
        const once = await service.execute<{ cancelOrder: OrderView }>(CANCEL_ORDER, { id: order.id }, alice);
        expect(once.data?.cancelOrder.state).toBe('CANCELLED');
      });

      it('changes nothing on stale or repeated events', async () => {
        const order = await confirmedOrder();
        const before = { events: await published(order.id), transitions: await transitions(order.id) };
        const charge = { orderId: order.id, paymentId: randomUUID(), amount: order.total };
        const late = [
          await emit('inventory', 'stock.reserved', { orderId: order.id }),
          await emit('inventory', 'stock.reservation_failed', {
            orderId: order.id,
            reason: 'OUT_OF_STOCK',
            productIds: [product(0).id],
          }),
          await emit('payments', 'payment.charged', charge),
          await emit('payments', 'payment.declined', { ...charge, reason: 'declined' }),
        ];
        // The same event delivered twice, as after a crash between commit and acknowledgement.
        const repeated = await emit('payments', 'payment.charged', charge);
        await emit('payments', 'payment.charged', charge, repeated.id);
        for (const event of [...late, repeated]) await handled(event.id);
        expect(await stateOf(order.id)).toEqual({ state: 'CONFIRMED', failure_reason: null });
        expect(await published(order.id)).toEqual(before.events);
        expect(await transitions(order.id)).toEqual(before.transitions);
        const deadLetters = await service.database.sql`select 1 from dead_letters`;
        expect(deadLetters).toHaveLength(0);
      });

      it('retries an event that came early until the step it follows has happened', async () => {
        const order = await placeOrder();
        // The payment's answer overtakes the reservation.
        const charged = await emit('payments', 'payment.charged', {
          orderId: order.id,
          paymentId: randomUUID(),
          amount: order.total,
        });
        await eventually(
          async () => (await failuresOf('payment.charged')) > 0,
          'the early event to be refused',
        );
        expect((await stateOf(order.id))?.state).toBe('RESERVING_STOCK');
        await emit('inventory', 'stock.reserved', { orderId: order.id });
        await reachState(order.id, 'CONFIRMED');
        expect((await transitions(order.id)).at(-1)).toMatchObject({
          to_state: 'CONFIRMED',
          trigger_event_id: charged.id,
        });
      });

      it('retries an event about an order it cannot see yet', async () => {
        const orderId = newId();
        const reserved = await emit('inventory', 'stock.reserved', { orderId });
        await eventually(async () => (await failuresOf('stock.reserved')) > 0, 'the event to be refused');
        // The order becomes visible (as a replica catching up would show it).
        await service.database.sql.begin(async (sql) => {
          await sql`insert into orders (id, user_id, state, total_amount, currency, payment_token, idempotency_key, request_hash)
        values (${orderId}, ${bob.userId}, 'RESERVING_STOCK', ${product(3).priceAmount}, 'USD', 'tok_ok', ${randomUUID()}, 'test')`;
          await sql`insert into order_lines (order_id, position, product_id, product_name, quantity, unit_price_amount)
        values (${orderId}, 0, ${product(3).id}, ${product(3).name}, 1, ${product(3).priceAmount})`;
        });
        await reachState(orderId, 'CHARGING_PAYMENT');
        expect((await transitions(orderId)).at(-1)).toMatchObject({ trigger_event_id: reserved.id });
      });
    });

    describe('the catalog read model', () => {
      const productEvent = (
        type: 'product.created' | 'product.updated',
        id: string,
        changes: { name: string; amount: number; changedAt: string },
      ) =>
        emit('products', type, {
          id,
          sku: `TST-${id.slice(0, 6)}`,
          name: changes.name,
          price: { amount: changes.amount, currency: 'USD' },
          weightGrams: 500,
          changedAt: changes.changedAt,
        });

      async function catalogRow(id: string) {
        const [row] = await service.database.sql<{ name: string; price_amount: number }[]>`
      select name, price_amount from catalog_products where product_id = ${id}`;
        return row;
      }

      it('learns new products and their changes, and prices orders from them', async () => {
        const id = randomUUID();
        const created = await productEvent('product.created', id, {
          name: 'Test Kettle',
          amount: 1999,
          changedAt: '2026-11-01T10:00:00.000Z',
        });
        await handled(created.id);
        expect(await catalogRow(id)).toEqual({ name: 'Test Kettle', price_amount: 1999 });
        const updated = await productEvent('product.updated', id, {
          name: 'Test Kettle II',
          amount: 2499,
          changedAt: '2026-11-02T10:00:00.000Z',
        });
        await handled(updated.id);
        expect(await catalogRow(id)).toEqual({ name: 'Test Kettle II', price_amount: 2499 });

        const result = await service.execute<{ placeOrder: OrderView }>(
          PLACE_ORDER,
          {
            input: {
              lines: [{ productId: id, quantity: 2 }],
              paymentToken: 'tok_ok',
              idempotencyKey: randomUUID(),
            },
          },
          alice,
        );
        expect(result.data?.placeOrder).toMatchObject({
          total: { amount: 4998, currency: 'USD' },
          lines: [{ productName: 'Test Kettle II', unitPrice: { amount: 2499 } }],
        });
      });

      it('keeps the newest state whatever order the events arrive in', async () => {
        const id = randomUUID();
        const newer = await productEvent('product.updated', id, {
          name: 'Newest',
          amount: 300,
          changedAt: '2026-11-03T10:00:00.000Z',
        });
        await handled(newer.id);
        const older = [
          await productEvent('product.created', id, {
            name: 'First',
            amount: 100,
            changedAt: '2026-11-01T10:00:00.000Z',
          }),
          await productEvent('product.updated', id, {
            name: 'Second',
            amount: 200,
            changedAt: '2026-11-02T10:00:00.000Z',
          }),
        ];
        for (const event of older) await handled(event.id);
        expect(await catalogRow(id)).toEqual({ name: 'Newest', price_amount: 300 });
      });
    });
  });
}
