import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  createTestDatabase,
  createTestEventBus,
  type TestDatabase,
  type TestEventBus,
  testLogLevel,
} from '@shop/devkit/testing';
import { createLogger } from '@shop/platform/logger';
import { drizzle } from 'drizzle-orm/postgres-js';
import PgBoss from 'pg-boss';
import postgres, { type Sql } from 'postgres';
import { z } from 'zod';
import type { Database } from '../../src/db/database';
import { applyMigrations } from '../../src/db/migrate';
import {
  defineEvent,
  type EventBusOptions,
  type EventDefinition,
  type EventEnvelope,
  type EventHandler,
  handleEvent,
  publishEvent,
  type RunningEvents,
  startServiceEvents,
} from '../../src/events';
import { envelopeToBinary, toJobData } from '../../src/events/wire';
import { createMetrics, type Metrics } from '../../src/metrics';
import * as tables from './fixtures/schema';
import { WidgetCreatedSchema, WidgetCreatedV2Schema, WidgetPaintedSchema } from './fixtures/widget-messages';

export type Tables = typeof tables;
export type Db = Database<Tables>;
export type TransportKind = 'pg-boss' | 'nats';

export const MIGRATIONS = fileURLToPath(new URL('./fixtures/drizzle', import.meta.url));

/** What the `widgets` producer writes. */
export const widgetCreated = defineEvent({
  producer: 'widgets',
  type: 'widget.created',
  version: 1,
  schema: WidgetCreatedSchema,
  payload: z.object({ id: z.uuid(), name: z.string().min(1), color: z.string() }),
});

/** The part of it a consumer reads: its own schema, not the producer's. */
export const widgetCreatedSeenByConsumer = defineEvent({
  producer: 'widgets',
  type: 'widget.created',
  version: 1,
  schema: WidgetCreatedSchema,
  payload: z.object({ id: z.uuid(), name: z.string().min(1) }),
});

/** A producer that moved on to a version the consumers do not know yet. */
export const widgetCreatedV2 = defineEvent({
  producer: 'widgets',
  type: 'widget.created',
  version: 2,
  schema: WidgetCreatedV2Schema,
  payload: z.object({ id: z.uuid(), name: z.string(), color: z.string() }),
});

/** A producer whose idea of version 1 disagrees with the consumers' (an empty name). */
export const widgetCreatedLoose = defineEvent({
  producer: 'widgets',
  type: 'widget.created',
  version: 1,
  schema: WidgetCreatedSchema,
  payload: z.object({ id: z.uuid(), name: z.string(), color: z.string() }),
});

/** Another event of the same producer, for consumers that read only some of its types. */
export const widgetPainted = defineEvent({
  producer: 'widgets',
  type: 'widget.painted',
  version: 1,
  schema: WidgetPaintedSchema,
  payload: z.object({ id: z.uuid(), color: z.string() }),
});

export interface ServiceDatabase {
  url: string;
  sql: Sql;
  db: Db;
}

export interface HandlerBehaviour {
  /** Milliseconds each handling takes (so replicas overlap). */
  delayMs?: number;
  /** Throw on this attempt (1-based count of calls for the event, per consumer process). */
  failOn?: (name: string, call: number) => boolean;
}

export interface Harness {
  bus: TestEventBus;
  options: EventBusOptions;
  database(label: string): Promise<ServiceDatabase>;
  startService(
    name: string,
    database: ServiceDatabase,
    events: { publishes?: EventDefinition[]; consumes?: EventHandler<Tables>[] },
    options?: Partial<EventBusOptions>,
  ): Promise<{ events: RunningEvents; metrics: Metrics }>;
  /** Handler calls per event id of one consumer (each a timestamp), effects or not. */
  calls: Map<string, number[]>;
  recordEffects(consumer: string, behaviour?: HandlerBehaviour): EventHandler<Tables>;
  /**
   * Puts a message on the bus for `consumer` again, past the bus' own dedupe: a redelivery. An
   * envelope whose payload is a `Uint8Array` goes as the relay sends it (a Protobuf Envelope);
   * anything else as JSON, as the code before Protobuf wrote every event.
   */
  redeliver(consumer: string, body: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(
  transport: TransportKind,
  overrides: Partial<Omit<EventBusOptions, 'bus'>> = {},
): Promise<Harness> {
  const bus = await createTestEventBus(transport, { relay: { pollIntervalMs: 1000 }, ...overrides });
  const databases: TestDatabase[] = [];
  const clients: Sql[] = [];
  const running: RunningEvents[] = [];
  const calls = new Map<string, number[]>();
  const logger = createLogger('events-test', testLogLevel());

  return {
    bus,
    options: bus.options,
    calls,
    async database(label) {
      const database = await createTestDatabase(label);
      databases.push(database);
      const sql = postgres(database.url, { max: 4, onnotice: () => {} });
      clients.push(sql);
      await applyMigrations(sql, MIGRATIONS);
      return { url: database.url, sql, db: drizzle({ client: sql, schema: tables }) };
    },
    async startService(name, database, events, options = {}) {
      const metrics = createMetrics(name);
      const started = await startServiceEvents({
        service: name,
        events,
        databaseUrl: database.url,
        tables,
        options: { ...bus.options, ...options },
        metrics: metrics.events,
        logger: logger.child({ service: name }),
      });
      running.push(started);
      return { events: started, metrics };
    },
    recordEffects(consumer, behaviour = {}) {
      return handleEvent(widgetCreatedSeenByConsumer, async (tx: Db, payload, envelope) => {
        const key = `${consumer}:${envelope.id}`;
        const seen = [...(calls.get(key) ?? []), Date.now()];
        calls.set(key, seen);
        if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
        if (behaviour.failOn?.(payload.name, seen.length)) throw new Error(`refusing ${payload.name}`);
        await tx
          .insert(tables.effects)
          .values({ eventId: envelope.id, consumer, value: payload.name, attempt: seen.length });
      });
    },
    async redeliver(consumer, body) {
      const { bus: where, namespace } = bus.options;
      if (where.transport === 'pg-boss') {
        const boss = new PgBoss({ connectionString: where.databaseUrl, supervise: false, schedule: false });
        boss.on('error', () => {});
        await boss.start();
        await boss.send(
          `${namespace}.${consumer}`,
          body.payload instanceof Uint8Array ? toJobData(asEnvelope(body)) : body,
        );
        await boss.stop({ graceful: false, wait: true });
        return;
      }
      const nc = await connect({ servers: where.url });
      const message =
        body.payload instanceof Uint8Array ? envelopeToBinary(asEnvelope(body)) : JSON.stringify(body);
      await jetstream(nc).publish(`${namespace}.events.widgets.widget.created`, message);
      await nc.close();
    },
    async close() {
      await Promise.allSettled(running.map((service) => service.stop()));
      await Promise.allSettled(clients.map((sql) => sql.end({ timeout: 1 })));
      await Promise.allSettled(databases.map((database) => database.drop()));
      await bus.drop();
    },
  };
}

/** A widget and its `widget.created` event, in one transaction; returns the event id. */
export async function createWidget(
  db: Db,
  name: string,
  options: { event?: EventDefinition<{ id: string; name: string; color: string }>; rollback?: boolean } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  let eventId = '';
  try {
    await db.transaction(async (tx) => {
      await tx.insert(tables.widgets).values({ id, name });
      eventId = (await publishEvent(tx, options.event ?? widgetCreated, { id, name, color: 'blue' })).id;
      if (options.rollback) throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  return eventId;
}

class RolledBack extends Error {}

function asEnvelope(body: Record<string, unknown>): EventEnvelope<Uint8Array> {
  return body as unknown as EventEnvelope<Uint8Array>;
}

/**
 * A `widget.created` outbox row exactly as the code before Protobuf wrote it: the payload as
 * jsonb only (no payload_protobuf). Returns the event id.
 */
export async function writeLegacyOutboxRow(database: ServiceDatabase, name: string): Promise<string> {
  const id = crypto.randomUUID();
  await database.sql`
    insert into outbox (id, producer, type, version, payload, trace_context, occurred_at)
    values (${id}, 'widgets', 'widget.created', 1,
            ${JSON.stringify({ id: crypto.randomUUID(), name, color: 'red' })}::jsonb, '{}'::jsonb,
            ${new Date().toISOString()}::timestamptz)`;
  await database.sql`select pg_notify('shop_outbox', '')`;
  return id;
}

/** An event as the relay put it on the bus, read back from the producer's outbox (to deliver it again). */
export async function sentEnvelope(database: ServiceDatabase, id: string): Promise<Record<string, unknown>> {
  const [row] = await database.sql`
    select id, producer, type, version, payload, payload_protobuf, trace_context,
           to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at
    from outbox where id = ${id}`;
  return {
    id: row?.id,
    type: row?.type,
    version: row?.version,
    producer: row?.producer,
    occurredAt: row?.occurred_at,
    traceContext: row?.trace_context,
    // The bytes the relay sent (a row written before Protobuf has only the JSON).
    payload: row?.payload_protobuf ?? row?.payload,
  };
}

/** Effects per event id that a consumer has committed. */
export async function effectsOf(database: ServiceDatabase, consumer: string): Promise<Map<string, number>> {
  const rows = await database.sql<{ event_id: string; count: number }[]>`
    select event_id, count(*)::int as count from effects where consumer = ${consumer} group by event_id`;
  return new Map(rows.map((row) => [row.event_id, row.count]));
}

export { eventually } from '@shop/devkit/testing';

export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  let total = 0;
  for (const value of (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[])
    if (Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
      total += value.value;
  return total;
}
