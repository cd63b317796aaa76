import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/database';
import { newId } from '../ids';
import { describeEvent, type EventDefinition, type EventEnvelope } from './envelope';
import { currentTracePropagation } from './trace-context';
import { encodePayload } from './wire';

/** The channel `publishEvent` notifies at commit, so the relay wakes up at once instead of polling. */
export const OUTBOX_CHANNEL = 'shop_outbox';

/**
 * Writes an event into the outbox, inside the caller's transaction: it is published once that
 * transaction commits, and never if it rolls back. The payload is checked against the event's
 * zod schema and encoded with its Protobuf message here, so a bad payload fails the write
 * instead of reaching a consumer. The outbox keeps the bytes that travel (`payload_protobuf`)
 * and, for people and SQL, the same payload as JSON (`payload`). One SQL statement (the insert,
 * plus a notification Postgres only delivers at commit).
 */
export async function publishEvent<TPayload, TSchema extends Record<string, unknown>>(
  tx: Database<TSchema>,
  definition: EventDefinition<TPayload>,
  payload: TPayload,
  options: { id?: string; occurredAt?: Date; traceContext?: Record<string, string> } = {},
): Promise<EventEnvelope<TPayload>> {
  const checked = definition.payload.safeParse(payload);
  if (!checked.success)
    throw new Error(
      `invalid payload for event ${describeEvent(definition)}: ${z.prettifyError(checked.error)}`,
    );
  let bytes: Uint8Array;
  try {
    bytes = encodePayload(definition.schema, checked.data);
  } catch (error) {
    throw new Error(
      `payload for event ${describeEvent(definition)} does not fit ${definition.schema.typeName}: ${(error as Error).message}`,
    );
  }
  const envelope: EventEnvelope<TPayload> = {
    id: options.id ?? newId(),
    type: definition.type,
    version: definition.version,
    producer: definition.producer,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    traceContext: options.traceContext ?? currentTracePropagation().inject(),
    payload: checked.data,
  };
  await tx.execute(sql`
    with written as (
      insert into outbox (id, producer, type, version, payload, payload_protobuf, trace_context, occurred_at)
      values (${envelope.id}, ${envelope.producer}, ${envelope.type}, ${envelope.version},
              ${JSON.stringify(envelope.payload)}::jsonb, ${Buffer.from(bytes)}::bytea,
              ${JSON.stringify(envelope.traceContext)}::jsonb,
              ${envelope.occurredAt}::timestamptz)
      returning id
    )
    select pg_notify(${OUTBOX_CHANNEL}, '') from written`);
  return envelope;
}
