import { DEMO_SEED_PLAN, seedIds, seedOrders } from '@shop/devkit/seed';
import {
  connectEventSource,
  createTestEventBus,
  deliverDirectly,
  eventually,
  startTestSubgraph,
  type TestEventBus,
  type TestSubgraph,
} from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import type { EventEnvelope } from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import { consumes } from '../src/events';
import type { Context } from '../src/subgraph';
import { inventorySubgraph } from '../src/subgraph';

let bus: TestEventBus;
let service: TestSubgraph<Tables, Context>;
let source: Awaited<ReturnType<typeof connectEventSource>>;
const plan = { ...DEMO_SEED_PLAN, products: 40, users: 10, orders: 12 };

beforeAll(async () => {
  // NATS, as in the distributed deployment; several events handled at once, so reservations race.
  bus = await createTestEventBus('nats', {
    concurrency: 16,
    retry: { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1000 },
  });
  service = await startTestSubgraph(inventorySubgraph, { events: bus.options });
  await seed(service.database.db, plan);
  source = await connectEventSource(bus.options);
});
afterAll(async () => {
  await source.close();
  await service.stop();
  await bus.drop();
});

interface Line {
  productId: string;
  quantity: number;
}

/** What orders publishes when an order is placed (the contract's full payload; inventory reads part). */
const placed = (orderId: string, lines: Line[]) =>
  source.envelope('orders', 'order.placed', {
    orderId,
    userId: seedIds.user(0),
    lines: lines.map((line) => ({ ...line, unitPrice: { amount: 1000, currency: 'USD' } })),
    total: { amount: 1000 * lines.reduce((sum, line) => sum + line.quantity, 0), currency: 'USD' },
  });
const orderEvent = (type: string, orderId: string, lines: Line[], extra: Record<string, unknown> = {}) =>
  source.envelope('orders', type, { orderId, userId: seedIds.user(0), lines, ...extra });

/** A product the warehouse holds `available` units of, and nothing else. */
async function stocked(available: number): Promise<string> {
  const productId = newId();
  await service.database.sql`insert into stock (product_id, available) values (${productId}, ${available})`;
  return productId;
}

async function stockOf(productId: string) {
  const [row] = await service.database.sql<{ available: number; reserved: number; sold: number }[]>`
    select available, reserved, sold from stock where product_id = ${productId}`;
  return row;
}

async function reservationsOf(orderId: string) {
  return service.database.sql<{ product_id: string; quantity: number; status: string }[]>`
    select product_id, quantity, status from reservations where order_id = ${orderId} order by product_id`;
}

/** The events inventory wrote about an order, oldest first. */
async function publishedAbout(orderId: string) {
  const rows = await service.database.sql<{ type: string; payload: Record<string, unknown> }[]>`
    select type, payload from outbox where payload->>'orderId' = ${orderId} order by occurred_at, id`;
  return rows.map((row) => ({ type: row.type, payload: row.payload }));
}

/** Publishes events and waits until inventory has handled every one (its inbox rows). */
async function deliver(...envelopes: EventEnvelope[]): Promise<void> {
  await source.publish(...envelopes);
  const ids = envelopes.map((envelope) => envelope.id);
  await eventually(async () => {
    const [row] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from inbox where event_id = any(${ids}::uuid[])`;
    return row?.count === ids.length;
  }, `inventory to handle ${ids.length} event(s)`);
}

describe.skipIf(withoutNats())('order.placed', () => {
  it('gives 200 concurrent orders for one unit each of a product with 50 exactly 50 units, never more', async () => {
    const productId = await stocked(50);
    const orderIds = Array.from({ length: 200 }, () => newId());
    await deliver(...orderIds.map((orderId) => placed(orderId, [{ productId, quantity: 1 }])));

    expect(await stockOf(productId)).toEqual({ available: 0, reserved: 50, sold: 0 });
    const held = await service.database.sql<{ order_id: string; quantity: number; status: string }[]>`
      select order_id, quantity, status from reservations where product_id = ${productId}`;
    expect(held).toHaveLength(50);
    expect(held.every((row) => row.quantity === 1 && row.status === 'RESERVED')).toBe(true);

    const outcomes = await service.database.sql<{ type: string; count: number }[]>`
      select type, count(*)::int as count from outbox
      where payload->>'orderId' = any(${orderIds}) group by type order by type`;
    expect(outcomes).toEqual([
      { type: 'stock.reservation_failed', count: 150 },
      { type: 'stock.reserved', count: 50 },
    ]);
    // Every order got exactly one answer, and the ones told "reserved" are the ones holding units.
    const reserved = await service.database.sql<{ order_id: string }[]>`
      select payload->>'orderId' as order_id from outbox where type = 'stock.reserved' and payload->>'orderId' = any(${orderIds})`;
    expect(new Set(reserved.map((row) => row.order_id))).toEqual(new Set(held.map((row) => row.order_id)));
  });

  it('reserves orders of two products racing in either line order all or nothing, without deadlocks', async () => {
    const scarce = await stocked(30);
    const plenty = await stocked(100);
    const orderIds = Array.from({ length: 60 }, () => newId());
    await deliver(
      ...orderIds.map((orderId, index) => {
        const lines = [
          { productId: scarce, quantity: 1 },
          { productId: plenty, quantity: 1 },
        ];
        return placed(orderId, index % 2 === 0 ? lines : lines.reverse());
      }),
    );
    expect(await stockOf(scarce)).toEqual({ available: 0, reserved: 30, sold: 0 });
    expect(await stockOf(plenty)).toEqual({ available: 70, reserved: 30, sold: 0 });
  });

  it('reserves nothing when one line of two is short, and names only the short product', async () => {
    const enough = await stocked(5);
    const short = await stocked(1);
    const orderId = newId();
    await deliver(
      placed(orderId, [
        { productId: enough, quantity: 2 },
        { productId: short, quantity: 3 },
      ]),
    );
    expect(await stockOf(enough)).toEqual({ available: 5, reserved: 0, sold: 0 });
    expect(await stockOf(short)).toEqual({ available: 1, reserved: 0, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([]);
    expect(await publishedAbout(orderId)).toEqual([
      {
        type: 'stock.reservation_failed',
        payload: { orderId, reason: 'OUT_OF_STOCK', productIds: [short] },
      },
    ]);
  });

  it('treats a product the warehouse has no row for as having nothing, and an absurd quantity as short', async () => {
    const enough = await stocked(5);
    const unknown = newId();
    const orderId = newId();
    const greedy = newId();
    await deliver(
      placed(orderId, [
        { productId: enough, quantity: 1 },
        { productId: unknown, quantity: 1 },
      ]),
      placed(greedy, [{ productId: enough, quantity: 3_000_000_000 }]),
    );
    expect((await publishedAbout(orderId))[0]?.payload).toMatchObject({ productIds: [unknown] });
    expect((await publishedAbout(greedy))[0]?.payload).toMatchObject({ productIds: [enough] });
    expect(await stockOf(enough)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('takes two lines of the same product together', async () => {
    const productId = await stocked(5);
    const orderId = newId();
    await deliver(
      placed(orderId, [
        { productId, quantity: 2 },
        { productId, quantity: 2 },
      ]),
    );
    expect(await stockOf(productId)).toEqual({ available: 1, reserved: 4, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([
      { product_id: productId, quantity: 4, status: 'RESERVED' },
    ]);
  });

  it('has no second effect when the same event is delivered again, or the order placed again', async () => {
    const productId = await stocked(10);
    const orderId = newId();
    const event = placed(orderId, [{ productId, quantity: 3 }]);
    await deliver(event);
    expect(await stockOf(productId)).toEqual({ available: 7, reserved: 3, sold: 0 });

    // A redelivery of the same event (past the bus' dedupe): the inbox knows it.
    expect(
      await deliverDirectly({ consumer: 'inventory', db: service.database.db, handlers: consumes })(event),
    ).toBe('ack');
    // The same order placed again under another event id: its reservations are there already.
    await deliver(placed(orderId, [{ productId, quantity: 3 }]));

    expect(await stockOf(productId)).toEqual({ available: 7, reserved: 3, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([
      { product_id: productId, quantity: 3, status: 'RESERVED' },
    ]);
    expect(await publishedAbout(orderId)).toEqual([{ type: 'stock.reserved', payload: { orderId } }]);
  });
});

describe.skipIf(withoutNats())('after a reservation', () => {
  /** An order holding `quantity` of a product stocked with `total` units. */
  async function reservedOrder(total: number, quantity: number) {
    const productId = await stocked(total);
    const orderId = newId();
    const lines = [{ productId, quantity }];
    await deliver(placed(orderId, lines));
    return { productId, orderId, lines };
  }

  it('order.confirmed sells the reserved units once; order.cancelled then puts them back once', async () => {
    const { productId, orderId, lines } = await reservedOrder(10, 4);
    const confirmed = orderEvent('order.confirmed', orderId, lines);
    await deliver(confirmed);
    expect(await stockOf(productId)).toEqual({ available: 6, reserved: 0, sold: 4 });
    expect(await reservationsOf(orderId)).toEqual([
      { product_id: productId, quantity: 4, status: 'COMMITTED' },
    ]);

    await deliverDirectly({ consumer: 'inventory', db: service.database.db, handlers: consumes })(confirmed);
    await deliver(orderEvent('order.confirmed', orderId, lines));
    expect(await stockOf(productId)).toEqual({ available: 6, reserved: 0, sold: 4 });

    const cancelled = orderEvent('order.cancelled', orderId, lines);
    await deliver(cancelled);
    expect(await stockOf(productId)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([
      { product_id: productId, quantity: 4, status: 'RESTOCKED' },
    ]);

    await deliverDirectly({ consumer: 'inventory', db: service.database.db, handlers: consumes })(cancelled);
    await deliver(orderEvent('order.cancelled', orderId, lines));
    // Late or repeated news of earlier steps changes nothing either.
    await deliver(orderEvent('order.confirmed', orderId, lines));
    await deliver(orderEvent('order.rejected', orderId, lines, { reason: 'PAYMENT_DECLINED' }));
    expect(await stockOf(productId)).toEqual({ available: 10, reserved: 0, sold: 0 });

    expect((await publishedAbout(orderId)).map((event) => event.type)).toEqual([
      'stock.reserved',
      'stock.committed',
      'stock.restocked',
    ]);
  });

  it('order.rejected releases the reserved units once', async () => {
    const { productId, orderId, lines } = await reservedOrder(8, 5);
    expect(await stockOf(productId)).toEqual({ available: 3, reserved: 5, sold: 0 });
    const rejected = orderEvent('order.rejected', orderId, lines, { reason: 'PAYMENT_DECLINED' });
    await deliver(rejected);
    expect(await stockOf(productId)).toEqual({ available: 8, reserved: 0, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([
      { product_id: productId, quantity: 5, status: 'RELEASED' },
    ]);

    await deliverDirectly({ consumer: 'inventory', db: service.database.db, handlers: consumes })(rejected);
    await deliver(orderEvent('order.rejected', orderId, lines, { reason: 'PAYMENT_DECLINED' }));
    // A rejected order is never confirmed or cancelled; if such news came, nothing is held to move.
    await deliver(orderEvent('order.confirmed', orderId, lines));
    await deliver(orderEvent('order.cancelled', orderId, lines));
    expect(await stockOf(productId)).toEqual({ available: 8, reserved: 0, sold: 0 });
    expect((await publishedAbout(orderId)).map((event) => event.type)).toEqual([
      'stock.reserved',
      'stock.released',
    ]);
  });

  it('order.rejected for want of stock holds nothing to release', async () => {
    const productId = await stocked(1);
    const orderId = newId();
    const lines = [{ productId, quantity: 2 }];
    await deliver(placed(orderId, lines));
    await deliver(orderEvent('order.rejected', orderId, lines, { reason: 'OUT_OF_STOCK' }));
    expect(await stockOf(productId)).toEqual({ available: 1, reserved: 0, sold: 0 });
    expect((await publishedAbout(orderId)).map((event) => event.type)).toEqual(['stock.reservation_failed']);
  });

  it('order.cancelled that overtakes order.confirmed waits for it, then restocks', async () => {
    const { productId, orderId, lines } = await reservedOrder(6, 2);
    const cancelled = orderEvent('order.cancelled', orderId, lines);
    await source.publish(cancelled);
    // Retried meanwhile: the units are still only reserved.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stockOf(productId)).toEqual({ available: 4, reserved: 2, sold: 0 });
    await deliver(orderEvent('order.confirmed', orderId, lines));
    await deliver(cancelled);
    expect(await stockOf(productId)).toEqual({ available: 6, reserved: 0, sold: 0 });
    expect((await publishedAbout(orderId)).map((event) => event.type)).toEqual([
      'stock.reserved',
      'stock.committed',
      'stock.restocked',
    ]);
  });
});

// The checkout deadline rejects an order whose reservation never came back (inventory down for
// longer than the deadline): order.placed and order.rejected then wait on the bus together, and
// reach inventory in either order, or at the same moment.
describe.skipIf(withoutNats())('an order rejected as TIMED_OUT', () => {
  it('reserves nothing for an order.placed that comes after the rejection, and answers nothing', async () => {
    const productId = await stocked(10);
    const orderId = newId();
    const lines = [{ productId, quantity: 3 }];
    await deliver(orderEvent('order.rejected', orderId, lines, { reason: 'TIMED_OUT' }));
    await deliver(placed(orderId, lines));
    expect(await stockOf(productId)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([]);
    // The saga has finished with the order: no reply would move it.
    expect(await publishedAbout(orderId)).toEqual([]);
  });

  it('releases what an order.placed handled before the rejection reserved', async () => {
    const productId = await stocked(10);
    const orderId = newId();
    const lines = [{ productId, quantity: 3 }];
    await deliver(placed(orderId, lines));
    await deliver(orderEvent('order.rejected', orderId, lines, { reason: 'TIMED_OUT' }));
    expect(await stockOf(productId)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect((await publishedAbout(orderId)).map((event) => event.type)).toEqual([
      'stock.reserved',
      'stock.released',
    ]);
  });

  it('holds nothing for any of 40 orders whose placing and rejection are handled at the same moment', async () => {
    const productId = await stocked(100);
    const orderIds = Array.from({ length: 40 }, () => newId());
    const lines = [{ productId, quantity: 2 }];
    await deliver(
      ...orderIds.flatMap((orderId, index) => {
        const both = [
          placed(orderId, lines),
          orderEvent('order.rejected', orderId, lines, { reason: 'TIMED_OUT' }),
        ];
        return index % 2 === 0 ? both : both.reverse();
      }),
    );
    expect(await stockOf(productId)).toEqual({ available: 100, reserved: 0, sold: 0 });
    const held = await service.database.sql`
      select 1 from reservations where product_id = ${productId} and status = 'RESERVED'`;
    expect(held).toHaveLength(0);
  });
});

describe.skipIf(withoutNats())('the seeded past orders', () => {
  const orders = seedOrders(plan);

  it('count as sold, each holding committed reservations for its lines', async () => {
    expect(orders.length).toBe(plan.orders);
    const sold = new Map<string, number>();
    for (const order of orders)
      for (const line of order.lines)
        sold.set(line.productId, (sold.get(line.productId) ?? 0) + line.quantity);
    const rows = await service.database.sql<{ product_id: string; sold: number }[]>`
      select product_id, sold from stock where product_id = any(${[...sold.keys()]}::uuid[])`;
    expect(new Map(rows.map((row) => [row.product_id, row.sold]))).toEqual(sold);
    const first = orders[0];
    expect(await reservationsOf(first?.id ?? '')).toEqual(
      [...(first?.lines ?? [])]
        .sort((a, b) => (a.productId < b.productId ? -1 : 1))
        .map((line) => ({ product_id: line.productId, quantity: line.quantity, status: 'COMMITTED' })),
    );
  });

  it('are not counted twice when the seed runs again', async () => {
    const snapshot = async () => ({
      stock: await service.database
        .sql`select product_id, available, reserved, sold from stock order by product_id`,
      reservations: await service.database.sql`select * from reservations order by order_id, product_id`,
    });
    const before = await snapshot();
    await seed(service.database.db, plan);
    expect(await snapshot()).toEqual(before);
  });

  it('go back on the shelf when cancelled', async () => {
    const order = orders[1];
    const line = order?.lines[0];
    if (!order || !line) throw new Error('the plan seeds orders');
    const before = await stockOf(line.productId);
    await deliver(orderEvent('order.cancelled', order.id, order.lines));
    expect(await stockOf(line.productId)).toEqual({
      available: (before?.available ?? 0) + line.quantity,
      reserved: before?.reserved,
      sold: (before?.sold ?? 0) - line.quantity,
    });
  });
});

describe.skipIf(withoutNats())('Stock.sold', () => {
  it('is shown to admins only', async () => {
    const query = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Product { stock { available reserved sold } } } }`;
    const productId = await stocked(9);
    await deliver(placed(newId(), [{ productId, quantity: 2 }]));
    const variables = { representations: [{ __typename: 'Product', id: productId }] };
    const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
    expect(await service.execute(query, variables, admin)).toEqual({
      data: { _entities: [{ stock: { available: 7, reserved: 2, sold: 0 } }] },
    });
    const customer: Caller = { userId: seedIds.user(0), role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER };
    const shopper = await service.execute(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Product { stock { sold } } } }`,
      variables,
      customer,
    );
    expect(shopper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('is 0 for a product the warehouse has no row for', async () => {
    const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
    const result = await service.execute(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Product { stock { available reserved sold } } } }`,
      { representations: [{ __typename: 'Product', id: newId() }] },
      admin,
    );
    expect(result).toEqual({ data: { _entities: [{ stock: { available: 0, reserved: 0, sold: 0 } }] } });
  });
});
