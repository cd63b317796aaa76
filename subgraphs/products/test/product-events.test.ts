import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import {
  createTestEventBus,
  eventually,
  startTestSubgraph,
  type TestEventBus,
  type TestSubgraph,
} from '@shop/devkit/testing';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import {
  connectEventTransport,
  decodePayload,
  type EventEnvelope,
  type EventTransport,
  readEnvelope,
} from '@shop/platform/events';
import { ProductCreatedSchema } from '@shop/platform/events/contracts/products';
import { createLogger } from '@shop/platform/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { productsSubgraph } from '../src/subgraph';

let bus: TestEventBus;
let service: TestSubgraph<Tables, Context>;
let listener: EventTransport;
/** What reached the bus, as another service subscribed to the catalog's events receives it. */
const received: EventEnvelope[] = [];
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };

beforeAll(async () => {
  bus = await createTestEventBus('pg-boss');
  listener = await connectEventTransport(bus.options, 'listener', createLogger('listener', 'silent'));
  await listener.consume(
    'listener',
    [
      { producer: 'products', type: 'product.created' },
      { producer: 'products', type: 'product.updated' },
    ],
    async (delivery) => {
      const read = readEnvelope(delivery.body);
      if (read.success) received.push(read.data);
      return 'ack';
    },
    { concurrency: 1 },
  );
  service = await startTestSubgraph(productsSubgraph, { events: bus.options });
  await seed(service.database.db, { ...DEMO_SEED_PLAN, products: 10 });
});
afterAll(async () => {
  await service.stop();
  await listener.close();
  await bus.drop();
});

const CREATE = /* GraphQL */ `
  mutation ($input: CreateProductInput!) { createProduct(input: $input) { id updatedAt } }
`;
const UPDATE = /* GraphQL */ `
  mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id updatedAt } }
`;

const input = (overrides: Record<string, unknown> = {}) => ({
  sku: 'EVT-000001',
  name: 'Event Teapot',
  description: 'A teapot that others hear about.',
  price: { amount: 3150, currency: 'USD' },
  weightGrams: 900,
  categoryId: seedIds.category(0),
  ...overrides,
});

interface OutboxEvent {
  id: string;
  type: string;
  version: number;
  producer: string;
  payload: Record<string, unknown>;
}

const outboxRows = () =>
  service.database.sql<OutboxEvent[]>`
    select id, type, version, producer, payload from outbox order by occurred_at, id`;

describe('product.created', () => {
  it('is written with the product, carries its full state, and reaches the bus', async () => {
    const before = (await outboxRows()).length;
    const result = await service.execute<{ createProduct: { id: string; updatedAt: string } }>(
      CREATE,
      { input: input() },
      admin,
    );
    expect(result.errors).toBeUndefined();
    const product = result.data?.createProduct;
    const rows = await outboxRows();
    expect(rows).toHaveLength(before + 1);
    const event = rows.at(-1);
    expect(event).toMatchObject({ type: 'product.created', version: 1, producer: 'products' });
    expect(event?.payload).toEqual({
      id: product?.id,
      sku: 'EVT-000001',
      name: 'Event Teapot',
      price: { amount: 3150, currency: 'USD' },
      weightGrams: 900,
      changedAt: new Date(product?.updatedAt ?? 0).toISOString(),
    });
    const delivered = await eventually(
      () => received.find((envelope) => envelope.id === event?.id),
      'the event on the bus',
    );
    expect(delivered).toMatchObject({ type: 'product.created', producer: 'products' });
    // On the bus: the ProductCreated message's binary encoding, which reads back as the payload written.
    expect(delivered.payload).toBeInstanceOf(Uint8Array);
    expect(decodePayload(ProductCreatedSchema, delivered.payload as Uint8Array)).toEqual(event?.payload);
  });

  it('is not written when the product is not: a duplicate SKU, a bad field, a customer', async () => {
    const before = await outboxRows();
    const duplicate = await service.execute(CREATE, { input: input({ sku: 'KIT-000001' }) }, admin);
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const invalid = await service.execute(CREATE, { input: input({ sku: 'EVT-2', weightGrams: -1 }) }, admin);
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const customer: Caller = { userId: seedIds.user(0), role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER };
    const forbidden = await service.execute(CREATE, { input: input({ sku: 'EVT-3' }) }, customer);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await outboxRows()).toEqual(before);
  });

  it('is written once when several admins create the same SKU at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => service.execute(CREATE, { input: input({ sku: 'EVT-RACE' }) }, admin)),
    );
    expect(results.filter((result) => !result.errors)).toHaveLength(1);
    const events = (await outboxRows()).filter((row) => row.payload.sku === 'EVT-RACE');
    expect(events).toHaveLength(1);
  });
});

describe('product.updated', () => {
  it('carries the full state after each change, with a changedAt that moves forward', async () => {
    const id = seedIds.product(3);
    const first = await service.execute<{ updateProduct: { updatedAt: string } }>(
      UPDATE,
      { id, input: { price: { amount: 777, currency: 'USD' } } },
      admin,
    );
    const second = await service.execute<{ updateProduct: { updatedAt: string } }>(
      UPDATE,
      { id, input: { name: 'Renamed Lamp' } },
      admin,
    );
    expect(first.errors).toBeUndefined();
    expect(second.errors).toBeUndefined();
    const [row] = await service.database.sql<{ sku: string; weight_grams: number }[]>`
      select sku, weight_grams from products where id = ${id}`;
    const events = (await outboxRows()).filter(
      (event) => event.type === 'product.updated' && event.payload.id === id,
    );
    expect(events.map((event) => event.payload)).toEqual([
      {
        id,
        sku: row?.sku,
        name: expect.any(String),
        price: { amount: 777, currency: 'USD' },
        weightGrams: row?.weight_grams,
        changedAt: new Date(first.data?.updateProduct.updatedAt ?? 0).toISOString(),
      },
      {
        id,
        sku: row?.sku,
        name: 'Renamed Lamp',
        price: { amount: 777, currency: 'USD' },
        weightGrams: row?.weight_grams,
        changedAt: new Date(second.data?.updateProduct.updatedAt ?? 0).toISOString(),
      },
    ]);
    const [earlier, later] = events.map((event) => Date.parse(String(event.payload.changedAt)));
    expect(later).toBeGreaterThan(earlier ?? Number.POSITIVE_INFINITY);
  });

  it('gives concurrent changes of one product distinct, increasing changedAt values', async () => {
    const id = seedIds.product(4);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        service.execute(UPDATE, { id, input: { weightGrams: 100 + index } }, admin),
      ),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    const events = (await outboxRows()).filter(
      (event) => event.type === 'product.updated' && event.payload.id === id,
    );
    const times = events.map((event) => Date.parse(String(event.payload.changedAt)));
    expect(new Set(times).size).toBe(6);
    // The change with the latest changedAt is the one the row kept: consumers that keep the newest agree.
    const newest = events.reduce((a, b) =>
      Date.parse(String(a.payload.changedAt)) > Date.parse(String(b.payload.changedAt)) ? a : b,
    );
    const [row] = await service.database.sql<{ weight_grams: number }[]>`
      select weight_grams from products where id = ${id}`;
    expect(newest.payload.weightGrams).toBe(row?.weight_grams);
  });

  it('is not written when the update is refused', async () => {
    const before = await outboxRows();
    const missing = await service.execute(
      UPDATE,
      { id: seedIds.product(9999), input: { name: 'Ghost' } },
      admin,
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const invalid = await service.execute(
      UPDATE,
      { id: seedIds.product(1), input: { name: 'Fine name', categoryId: seedIds.category(99) } },
      admin,
    );
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await outboxRows()).toEqual(before);
  });
});
