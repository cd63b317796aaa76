import { z } from 'zod';
import type { Database } from '../db/database';
import { describeEvent, type EventDefinition, type EventEnvelope } from './envelope';
import type { EventSubscription } from './transport';
import { decodePayload } from './wire';

type TableSchema = Record<string, unknown>;

export type PreparedEvent<TSchema extends TableSchema> =
  | { ok: true; apply(tx: Database<TSchema>): Promise<void> }
  | { ok: false; error: string };

/** What a service does with one version of one event type it consumes. */
export interface EventHandler<TSchema extends TableSchema> {
  readonly event: Pick<EventDefinition, 'producer' | 'type' | 'version' | 'schema'>;
  /**
   * Decodes the payload with the event's message (a JSON payload written before Protobuf is read
   * as it is), checks it against the consumer's schema; when it fits, returns the effect to run.
   */
  prepare(envelope: EventEnvelope): PreparedEvent<TSchema>;
}

/**
 * A consumer's handler for one event version. `handle` runs inside the transaction that also
 * records the event in the inbox: its effect and "handled" commit together, so a redelivered
 * event has no second effect. Write it against `tx` only, and let it throw to have the event
 * retried (then dead-lettered after the last attempt).
 */
export function handleEvent<TPayload, TSchema extends TableSchema>(
  event: EventDefinition<TPayload>,
  handle: (tx: Database<TSchema>, payload: TPayload, envelope: EventEnvelope<TPayload>) => Promise<void>,
): EventHandler<TSchema> {
  return {
    event: { producer: event.producer, type: event.type, version: event.version, schema: event.schema },
    prepare(envelope) {
      let payload = envelope.payload;
      if (payload instanceof Uint8Array) {
        try {
          payload = decodePayload(event.schema, payload);
        } catch (error) {
          return { ok: false, error: `not a ${event.schema.typeName}: ${(error as Error).message}` };
        }
      }
      const checked = event.payload.safeParse(payload);
      if (!checked.success) return { ok: false, error: z.prettifyError(checked.error) };
      const typed: EventEnvelope<TPayload> = { ...envelope, payload: checked.data };
      return { ok: true, apply: (tx) => handle(tx, checked.data, typed) };
    },
  };
}

/** The (producer, type) pairs to subscribe to; two handlers for the same version are a mistake caught at start. */
export function subscriptionsOf(handlers: readonly EventHandler<TableSchema>[]): EventSubscription[] {
  const versions = new Set<string>();
  const subscriptions = new Map<string, EventSubscription>();
  for (const { event } of handlers) {
    const key = describeEvent(event);
    if (versions.has(key)) throw new Error(`two handlers for event ${key}`);
    versions.add(key);
    subscriptions.set(`${event.producer}/${event.type}`, { producer: event.producer, type: event.type });
  }
  return [...subscriptions.values()];
}
