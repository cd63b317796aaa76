import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createDeliveryHandler, type EventEnvelope, handleEvent } from '../../src/events';
import { EXTRA_DELIVERIES } from '../../src/events/retry-policy';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import * as tables from './fixtures/schema';
import { createHarness, type Db, effectsOf, type Harness, widgetCreatedSeenByConsumer } from './harness';

// What the consumer does on the last delivery the bus will make, whatever the transport.
const retry = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
const lastDelivery = retry.maxAttempts + EXTRA_DELIVERIES;

let harness: Harness;
beforeEach(async () => {
  harness = await createHarness('pg-boss');
});
afterEach(async () => {
  await harness.close();
});

function envelope(name: string): EventEnvelope {
  return {
    id: crypto.randomUUID(),
    type: 'widget.created',
    version: 1,
    producer: 'widgets',
    occurredAt: new Date().toISOString(),
    traceContext: {},
    payload: { id: crypto.randomUUID(), name },
  };
}

function consumer(url: string, handle: (tx: Db, name: string, id: string) => Promise<void>) {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const deliver = createDeliveryHandler({
    name: 'billing',
    db: drizzle({ client: sql, schema: tables }),
    handlers: [
      handleEvent(widgetCreatedSeenByConsumer, (tx: Db, payload, event) =>
        handle(tx, payload.name, event.id),
      ),
    ],
    retry,
    metrics: createMetrics('billing').events,
    logger: createLogger('billing', 'silent'),
  });
  return { sql, deliver };
}

it('keeps no dead letter when the last delivery succeeds', async () => {
  const billing = await harness.database('billing');
  const { sql, deliver } = consumer(billing.url, async (tx, name, id) => {
    await tx.insert(tables.effects).values({ eventId: id, consumer: 'billing', value: name });
  });
  const event = envelope('late but fine');
  expect(await deliver({ messageId: 'm1', body: event, attempt: lastDelivery })).toBe('ack');
  expect((await effectsOf(billing, 'billing')).get(event.id)).toBe(1);
  expect(await billing.sql`select * from dead_letters`).toHaveLength(0);
  await sql.end();
});

it('leaves a dead letter behind when the process dies during the last delivery', async () => {
  const billing = await harness.database('billing');
  let started: () => void = () => {};
  const handlerStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const { sql, deliver } = consumer(billing.url, async (tx, name, id) => {
    await tx.insert(tables.effects).values({ eventId: id, consumer: 'billing', value: name });
    started();
    await new Promise(() => {});
  });
  const event = envelope('crashes every time');
  void deliver({ messageId: 'm1', body: event, attempt: lastDelivery });
  await handlerStarted;
  // The process dies: its connections drop and Postgres rolls its transaction back.
  await sql.end({ timeout: 0 });

  const [dead] = await billing.sql`select * from dead_letters where event_id = ${event.id}`;
  expect(dead).toMatchObject({
    reason: 'redeliveries_exhausted',
    attempts: lastDelivery,
    consumer: 'billing',
  });
  expect(dead?.envelope).toMatchObject({ id: event.id, payload: { name: 'crashes every time' } });
  expect((await effectsOf(billing, 'billing')).has(event.id)).toBe(false);
});

it('records the handler error when the last delivery fails', async () => {
  const billing = await harness.database('billing');
  const { sql, deliver } = consumer(billing.url, async () => {
    throw new Error('still broken');
  });
  const event = envelope('broken');
  expect(await deliver({ messageId: 'm1', body: event, attempt: lastDelivery })).toBe('ack');
  const [dead] = await billing.sql`select reason, detail from dead_letters where event_id = ${event.id}`;
  expect(dead).toMatchObject({ reason: 'handler_failed' });
  expect(dead?.detail).toContain('still broken');
  await sql.end();
});
