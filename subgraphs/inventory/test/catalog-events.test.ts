import { seedIds } from '@shop/devkit/seed';
import {
  connectEventSource,
  createTestEventBus,
  deliverDirectly,
  eventually,
  startTestSubgraph,
  type TestEventBus,
  type TestSubgraph,
} from '@shop/devkit/testing';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import type { EventEnvelope } from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { consumes } from '../src/events';
import type { Context } from '../src/subgraph';
import { inventorySubgraph } from '../src/subgraph';

let bus: TestEventBus;
let service: TestSubgraph<Tables, Context>;
let source: Awaited<ReturnType<typeof connectEventSource>>;
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };

beforeAll(async () => {
  bus = await createTestEventBus('pg-boss');
  service = await startTestSubgraph(inventorySubgraph, { events: bus.options });
  source = await connectEventSource(bus.options);
});
afterAll(async () => {
  await source.close();
  await service.stop();
  await bus.drop();
});

/** What products publishes: the product's full state after the change. */
const productEvent = (
  type: 'product.created' | 'product.updated',
  product: { id: string; sku: string; changedAt: Date },
) =>
  source.envelope('products', type, {
    id: product.id,
    sku: product.sku,
    name: 'Brass Desk Lamp',
    price: { amount: 4500, currency: 'USD' },
    weightGrams: 1200,
    changedAt: product.changedAt.toISOString(),
  });

async function deliver(...envelopes: EventEnvelope[]): Promise<void> {
  await source.publish(...envelopes);
  const ids = envelopes.map((envelope) => envelope.id);
  await eventually(async () => {
    const [row] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from inbox where event_id = any(${ids}::uuid[])`;
    return row?.count === ids.length;
  }, `inventory to handle ${ids.length} event(s)`);
}

async function rowOf(productId: string) {
  const [row] = await service.database.sql<
    { sku: string | null; available: number; reserved: number; sold: number }[]
  >`select sku, available, reserved, sold from stock where product_id = ${productId}`;
  return row;
}

describe('product events', () => {
  it('product.created gives a new product a stock row with its SKU and nothing available', async () => {
    const id = newId();
    const created = productEvent('product.created', { id, sku: 'OFF-900001', changedAt: new Date() });
    await deliver(created);
    expect(await rowOf(id)).toEqual({ sku: 'OFF-900001', available: 0, reserved: 0, sold: 0 });
    // Heard twice (a redelivery), it changes nothing.
    expect(
      await deliverDirectly({ consumer: 'inventory', db: service.database.db, handlers: consumes })(created),
    ).toBe('ack');
    expect(await rowOf(id)).toEqual({ sku: 'OFF-900001', available: 0, reserved: 0, sold: 0 });

    // The product is then on the warehouse's SKU-keyed reorder list.
    const list = await service.execute<{ lowStock: { edges: { node: { id: string; sku: string } }[] } }>(
      `{ lowStock(atMost: 0, first: 100) { edges { node { id sku } } } }`,
      {},
      admin,
    );
    expect(list.data?.lowStock.edges.map(({ node }) => node)).toContainEqual({ id, sku: 'OFF-900001' });
  });

  it('lets setStock count a product only once the catalog event announced it', async () => {
    const id = newId();
    const setStock = () =>
      service.execute(
        `mutation ($id: ID!) { setStock(productId: $id, available: 12) { available } }`,
        { id },
        admin,
      );
    expect((await setStock()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await rowOf(id)).toBeUndefined();
    await deliver(productEvent('product.created', { id, sku: 'OFF-900002', changedAt: new Date() }));
    expect(await setStock()).toEqual({ data: { setStock: { available: 12 } } });
    expect(await rowOf(id)).toEqual({ sku: 'OFF-900002', available: 12, reserved: 0, sold: 0 });
  });

  it('keeps the newest change when product events arrive out of order, and never touches the counts', async () => {
    const id = newId();
    const t = Date.now();
    await deliver(productEvent('product.updated', { id, sku: 'OFF-900003', changedAt: new Date(t + 2000) }));
    await service.database.sql`update stock set available = 4 where product_id = ${id}`;
    // Older news, arriving late: the created event and an earlier update.
    await deliver(
      productEvent('product.created', { id, sku: 'OFF-OLD-1', changedAt: new Date(t) }),
      productEvent('product.updated', { id, sku: 'OFF-OLD-2', changedAt: new Date(t + 1000) }),
    );
    expect(await rowOf(id)).toEqual({ sku: 'OFF-900003', available: 4, reserved: 0, sold: 0 });
    await deliver(productEvent('product.updated', { id, sku: 'OFF-900004', changedAt: new Date(t + 3000) }));
    expect(await rowOf(id)).toEqual({ sku: 'OFF-900004', available: 4, reserved: 0, sold: 0 });
  });

  it('sets aside a product event it cannot read, without blocking the ones behind it', async () => {
    const bad = source.envelope('products', 'product.created', { id: 'not-a-uuid', sku: '' });
    const id = newId();
    await source.publish(bad);
    await deliver(productEvent('product.created', { id, sku: 'OFF-900005', changedAt: new Date() }));
    expect((await rowOf(id))?.sku).toBe('OFF-900005');
    const [letter] = await eventually(async () => {
      const rows = await service.database.sql<{ reason: string }[]>`
          select reason from dead_letters where event_id = ${bad.id}`;
      return rows.length > 0 ? rows : undefined;
    }, 'the dead letter');
    expect(letter?.reason).toBe('invalid_payload');
  });
});
