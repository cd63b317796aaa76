import { randomUUID } from 'node:crypto';
import { DEMO_SEED_PLAN, seedIds, seedProducts } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import type { Caller } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { admin, alice, bob, carol, ORDER, type OrderView, ordersSubgraph, PLACE_ORDER } from './fixtures';

let service: TestSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 50, users: 10, orders: 0 };
const products = seedProducts(plan);
const product = (index: number) => products[index] ?? expect.unreachable(`no seed product ${index}`);
// A product of the read model priced in another currency than the seed's USD.
const EURO_PRODUCT = '0190a000-0000-7000-8000-0000000000e1';

beforeAll(async () => {
  service = await startTestSubgraph(ordersSubgraph);
  await seed(service.database.db, plan);
  await service.database.sql`
    insert into catalog_products (product_id, sku, name, price_amount, price_currency, changed_at)
    values (${EURO_PRODUCT}, 'EUR-000001', 'Imported Teapot', 2500, 'EUR', now())`;
});
afterAll(() => service.stop());

const newKey = () => `key-${randomUUID()}`;
const orderInput = (overrides: Record<string, unknown> = {}) => ({
  lines: [
    { productId: product(0).id, quantity: 2 },
    { productId: product(1).id, quantity: 1 },
  ],
  paymentToken: 'tok_ok',
  idempotencyKey: newKey(),
  ...overrides,
});

async function place(input: Record<string, unknown>, caller: Caller | null = alice) {
  return service.execute<{ placeOrder: OrderView }>(PLACE_ORDER, { input }, caller);
}

const count = async (table: 'orders' | 'outbox' | 'order_lines' | 'order_transitions') =>
  (
    await service.database.sql<
      { count: number }[]
    >`select count(*)::int as count from ${service.database.sql(table)}`
  )[0]?.count;

describe('placeOrder', () => {
  it('prices the lines from the catalog read model and starts checkout, all in one write', async () => {
    const result = await place(orderInput());
    expect(result.errors).toBeUndefined();
    const order = result.data?.placeOrder;
    const total = 2 * product(0).priceAmount + product(1).priceAmount;
    expect(order).toMatchObject({
      status: 'PENDING',
      state: 'RESERVING_STOCK',
      failureReason: null,
      user: { id: alice.userId },
      total: { amount: total, currency: 'USD' },
      lines: [
        {
          product: { id: product(0).id },
          productName: product(0).name,
          quantity: 2,
          unitPrice: { amount: product(0).priceAmount, currency: 'USD' },
          lineTotal: { amount: 2 * product(0).priceAmount, currency: 'USD' },
        },
        {
          product: { id: product(1).id },
          productName: product(1).name,
          quantity: 1,
          unitPrice: { amount: product(1).priceAmount, currency: 'USD' },
          lineTotal: { amount: product(1).priceAmount, currency: 'USD' },
        },
      ],
    });
    const id = order?.id ?? '';
    const events = await service.database.sql<{ id: string; type: string; payload: unknown }[]>`
      select id, type, payload from outbox where payload->>'orderId' = ${id}`;
    expect(events).toEqual([
      {
        id: expect.any(String),
        type: 'order.placed',
        payload: {
          orderId: id,
          userId: alice.userId,
          lines: [
            {
              productId: product(0).id,
              quantity: 2,
              unitPrice: { amount: product(0).priceAmount, currency: 'USD' },
            },
            {
              productId: product(1).id,
              quantity: 1,
              unitPrice: { amount: product(1).priceAmount, currency: 'USD' },
            },
          ],
          total: { amount: total, currency: 'USD' },
        },
      },
    ]);
    const transitions = await service.database.sql`
      select from_state, to_state, trigger, actor_user_id, published_event_id
      from order_transitions where order_id = ${id}`;
    expect(transitions).toEqual([
      {
        from_state: null,
        to_state: 'RESERVING_STOCK',
        trigger: 'placeOrder',
        actor_user_id: alice.userId,
        published_event_id: events[0]?.id,
      },
    ]);
  });

  it('keeps the price of the time of ordering when the catalog changes later', async () => {
    const placed = await place(orderInput({ lines: [{ productId: product(2).id, quantity: 3 }] }));
    const id = placed.data?.placeOrder.id;
    await service.database.sql`
      update catalog_products set price_amount = price_amount + 1000, name = 'Renamed'
      where product_id = ${product(2).id}`;
    const later = await service.execute<{ order: OrderView }>(ORDER, { id }, alice);
    expect(later.data?.order.lines[0]).toMatchObject({
      productName: product(2).name,
      unitPrice: { amount: product(2).priceAmount },
    });
    expect(later.data?.order.total.amount).toBe(3 * product(2).priceAmount);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const line = (index: number, quantity = 1) => ({ productId: product(index).id, quantity });
    const cases: [Record<string, unknown>, string][] = [
      [{ lines: [] }, 'input.lines'],
      [{ lines: Array.from({ length: 51 }, (_, index) => line(index % 30)) }, 'input.lines'],
      [{ lines: [line(0, 0)] }, 'input.lines[0].quantity'],
      [{ lines: [line(0), line(1, 101)] }, 'input.lines[1].quantity'],
      [{ lines: [line(0), line(1, -3)] }, 'input.lines[1].quantity'],
      [{ lines: [{ productId: 'not-a-product', quantity: 1 }] }, 'input.lines[0].productId'],
      [{ lines: [line(0), line(1), line(0, 2)] }, 'input.lines[2].productId'],
      [
        { lines: [line(0), line(1), { productId: seedIds.product(9999), quantity: 1 }] },
        'input.lines[2].productId',
      ],
      [{ lines: [line(0), { productId: EURO_PRODUCT, quantity: 1 }] }, 'input.lines[1].productId'],
      [{ paymentToken: '' }, 'input.paymentToken'],
      [{ paymentToken: '   ' }, 'input.paymentToken'],
      [{ paymentToken: 'x'.repeat(201) }, 'input.paymentToken'],
      [{ idempotencyKey: '' }, 'input.idempotencyKey'],
      [{ idempotencyKey: 'k'.repeat(201) }, 'input.idempotencyKey'],
    ];
    const before = await Promise.all([count('orders'), count('outbox'), count('order_lines')]);
    for (const [overrides, field] of cases) {
      const result = await place(orderInput(overrides));
      expect(result.errors?.[0]?.extensions, `${JSON.stringify(overrides).slice(0, 120)}`).toEqual({
        code: 'BAD_USER_INPUT',
        field,
      });
      expect(result.errors?.[0]?.message).toContain(field);
    }
    expect(await Promise.all([count('orders'), count('outbox'), count('order_lines')])).toEqual(before);
  });

  it('takes a whole order of 50 lines of up to 100 units, in one currency', async () => {
    const lines = Array.from({ length: 50 }, (_, index) => ({ productId: product(index).id, quantity: 100 }));
    const result = await place(orderInput({ lines }));
    expect(result.errors).toBeUndefined();
    expect(result.data?.placeOrder.lines).toHaveLength(50);
    const euro = await place(orderInput({ lines: [{ productId: EURO_PRODUCT, quantity: 1 }] }));
    expect(euro.data?.placeOrder.total).toEqual({ amount: 2500, currency: 'EUR' });
  });

  it('is for logged-in users only', async () => {
    const before = await count('orders');
    const result = await place(orderInput(), null);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await count('orders')).toBe(before);
  });
});

describe('placeOrder with an idempotency key', () => {
  it('returns the same order for the same key and request, however its lines are listed', async () => {
    const input = orderInput();
    const first = await place(input);
    const again = await place(input);
    const reordered = await place({ ...input, lines: [...input.lines].reverse() });
    expect(first.errors).toBeUndefined();
    expect(again.data?.placeOrder).toEqual(first.data?.placeOrder);
    expect(reordered.data?.placeOrder).toEqual(first.data?.placeOrder);
    const [row] = await service.database.sql<{ orders: number; events: number }[]>`
      select (select count(*)::int from orders where idempotency_key = ${input.idempotencyKey}) as orders,
             (select count(*)::int from outbox where payload->>'orderId' = ${first.data?.placeOrder.id ?? ''}) as events`;
    expect(row).toEqual({ orders: 1, events: 1 });
  });

  it('places one order for many identical requests sent at once', async () => {
    const input = orderInput();
    const results = await Promise.all(Array.from({ length: 8 }, () => place(input)));
    for (const result of results) expect(result.errors).toBeUndefined();
    const ids = new Set(results.map((result) => result.data?.placeOrder.id));
    expect(ids.size).toBe(1);
    const [row] = await service.database.sql<{ orders: number; events: number }[]>`
      select (select count(*)::int from orders where idempotency_key = ${input.idempotencyKey}) as orders,
             (select count(*)::int from outbox where payload->>'orderId' = ${[...ids][0] ?? ''}) as events`;
    expect(row).toEqual({ orders: 1, events: 1 });
  });

  it('is a CONFLICT when the same key comes with a different request', async () => {
    const input = orderInput();
    const first = await place(input);
    const variants = [
      { ...input, lines: [{ productId: product(0).id, quantity: 3 }, input.lines[1]] },
      { ...input, lines: [input.lines[0]] },
      { ...input, paymentToken: 'tok_declined' },
    ];
    for (const variant of variants) {
      const result = await place(variant);
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'input.idempotencyKey' });
      expect(result.errors?.[0]?.message).toMatch(/already used for a different order/);
    }
    expect((await place(input)).data?.placeOrder.id).toBe(first.data?.placeOrder.id);
  });

  it('lets one of two different requests sent at once under one key win, the other a CONFLICT', async () => {
    const input = orderInput();
    const results = await Promise.all([place(input), place({ ...input, paymentToken: 'tok_flaky' })]);
    const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
  });

  it('keeps keys apart per user', async () => {
    const input = orderInput();
    const mine = await place(input, alice);
    const theirs = await place(input, bob);
    expect(theirs.data?.placeOrder.id).not.toBe(mine.data?.placeOrder.id);
    expect(theirs.data?.placeOrder.user.id).toBe(bob.userId);
  });
});

describe('order', () => {
  let id = '';
  beforeAll(async () => {
    id = (await place(orderInput(), carol)).data?.placeOrder.id ?? '';
  });

  it('shows an order to its owner and to admins', async () => {
    for (const caller of [carol, admin]) {
      const result = await service.execute<{ order: OrderView }>(ORDER, { id }, caller);
      expect(result.errors).toBeUndefined();
      expect(result.data?.order).toMatchObject({ id, user: { id: carol.userId } });
    }
  });

  it("answers someone else's order exactly as an unknown one, and refuses anonymous callers", async () => {
    const other = await service.execute(ORDER, { id }, bob);
    const unknown = await service.execute(ORDER, { id: '00000000-0000-4000-8000-000000000000' }, bob);
    expect(other).toEqual({ data: { order: null } });
    expect(other).toEqual(unknown);
    const anonymous = await service.execute(ORDER, { id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('is null for an unknown or malformed id', async () => {
    for (const unknown of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const result = await service.execute(ORDER, { id: unknown }, admin);
      expect(result).toEqual({ data: { order: null } });
    }
  });

  it('resolves references with the same rules, any number of them with one statement per level', async () => {
    const ids = await Promise.all(
      Array.from({ length: 4 }, async () => (await place(orderInput(), carol)).data?.placeOrder.id),
    );
    const query = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Order { id total { amount } lines { quantity } } } }`;
    const representations = ids.map((orderId) => ({ __typename: 'Order', id: orderId }));
    const before = await service.queryCount();
    const result = await service.execute<{ _entities: { id: string }[] }>(query, { representations }, admin);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((entity) => entity.id)).toEqual(ids);
    expect((await service.queryCount()) - before).toBe(2);
    const other = await service.execute(query, { representations }, bob);
    expect(other).toEqual({ data: { _entities: ids.map(() => null) } });
  });
});
