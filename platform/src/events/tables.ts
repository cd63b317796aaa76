import { sql } from 'drizzle-orm';
import {
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The three tables of the events machinery. A service re-exports the ones it uses from its own
 * `src/db/schema.ts` (`export { outbox } from '@shop/platform/events/tables'`), so drizzle-kit
 * writes them into that service's migrations and they live in that service's database.
 */

// Milliseconds, like every timestamp in this system: what a JavaScript Date holds.
const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

// Drizzle has no bytea column of its own; postgres.js reads and writes it as a Buffer.
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Events written by this service, in the same transaction as the change they describe; the relay sends them. */
export const outbox = pgTable(
  'outbox',
  {
    /** The event id (UUIDv7): the bus dedupes on it. */
    id: uuid('id').primaryKey(),
    producer: text('producer').notNull(),
    type: text('type').notNull(),
    version: integer('version').notNull(),
    /**
     * The payload as JSON, for people and SQL (`payload->>'orderId'`); the only payload of rows
     * written before Protobuf (null `payload_protobuf`), which the relay sends as JSON.
     */
    payload: jsonb('payload'),
    /** The event message's Protobuf binary: what the relay sends. */
    payloadProtobuf: bytea('payload_protobuf'),
    traceContext: jsonb('trace_context').$type<Record<string, string>>().notNull(),
    occurredAt: at('occurred_at').notNull().defaultNow(),
    /** Publish attempts that failed so far. */
    attempts: integer('attempts').notNull().default(0),
    /** The relay leaves the row alone until then (backoff after a failed attempt). */
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    /** Null until the bus has accepted the event. */
    sentAt: at('sent_at'),
  },
  (table) => [
    // What the relay scans: only unsent rows, in the order they become due.
    index('outbox_unsent_idx').on(table.nextAttemptAt, table.id).where(sql`${table.sentAt} is null`),
    // What pruning of old sent rows scans.
    index('outbox_sent_idx').on(table.sentAt).where(sql`${table.sentAt} is not null`),
  ],
);

/** Events this service has handled, written in the same transaction as the handler's effect. */
export const inbox = pgTable(
  'inbox',
  {
    eventId: uuid('event_id').notNull(),
    /** The consuming service (or a named consumer inside it). */
    consumer: text('consumer').notNull(),
    type: text('type').notNull(),
    processedAt: at('processed_at').notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.eventId, table.consumer] }),
    // What pruning of rows past their retention scans.
    index('inbox_processed_idx').on(table.processedAt),
  ],
);

/** Events this service could not handle: set aside with the reason, so they never block the stream. */
export const deadLetters = pgTable(
  'dead_letters',
  {
    /** Text, not uuid: an unreadable envelope is kept under the transport's own message id. */
    eventId: text('event_id').notNull(),
    consumer: text('consumer').notNull(),
    producer: text('producer'),
    type: text('type'),
    version: integer('version'),
    /**
     * `invalid_envelope`, `unknown_type`, `unknown_version`, `invalid_payload`, `handler_failed`, or
     * `redeliveries_exhausted` (every delivery ended with its process dead or past the handler timeout).
     */
    reason: text('reason').notNull(),
    detail: text('detail').notNull(),
    /** The message as it arrived, to inspect and replay by hand. */
    envelope: jsonb('envelope').notNull(),
    attempts: integer('attempts').notNull(),
    deadLetteredAt: at('dead_lettered_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.eventId, table.consumer] })],
);

export type OutboxRow = typeof outbox.$inferSelect;
export type DeadLetterRow = typeof deadLetters.$inferSelect;
