import type { DescMessage } from '@bufbuild/protobuf';
import { z } from 'zod';

/**
 * What travels on the bus, the same for every event and both transports. The payload is
 * checked against the event's zod schema when it is written (producer) and when it is read
 * (consumer); the rest of the envelope is checked here.
 */
export interface EventEnvelope<TPayload = unknown> {
  /** UUIDv7, made when the event was written: the bus dedupes on it, inboxes remember it. */
  id: string;
  /** What happened, `<entity>.<past-tense verb>`: `product.created`. */
  type: string;
  /** The payload's schema version; a consumer that knows no handler for it dead-letters the event. */
  version: number;
  /** The service that wrote the event. */
  producer: string;
  /** ISO 8601 time of the transaction that wrote it. */
  occurredAt: string;
  /** W3C trace context (`traceparent`, `tracestate`) carried from the producer's request to the handler. */
  traceContext: Record<string, string>;
  /**
   * On the bus: the event message's Protobuf binary (a `Uint8Array`), or the JSON payload of an
   * event written before Protobuf (see wire.ts). In a handler: the payload, checked by its schema.
   */
  payload: TPayload;
}

const NAME = /^[a-z][a-z0-9-]*$/;
// Segments are snake_case words (`order.payment_requested`), dot-separated: NATS subject tokens.
const TYPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

export const eventEnvelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().regex(TYPE),
  version: z.number().int().min(1),
  producer: z.string().regex(NAME),
  occurredAt: z.iso.datetime({ offset: true }),
  traceContext: z.record(z.string(), z.string()),
  payload: z.unknown(),
});

/**
 * One version of one event type: its name, who writes it, its Protobuf message (what travels)
 * and the zod schema of its payload's JSON form. A producer declares the full payload it writes;
 * a consumer declares, with the same function, only the part it reads (zod drops the other
 * fields), so services share no code but the generated messages. `eventNamed(XSchema)` gives
 * the name and the message.
 */
export interface EventDefinition<TPayload = unknown> {
  producer: string;
  type: string;
  version: number;
  schema: DescMessage;
  payload: z.ZodType<TPayload>;
}

export type PayloadOf<TDefinition> = TDefinition extends EventDefinition<infer TPayload> ? TPayload : never;

export function defineEvent<TPayload>(definition: EventDefinition<TPayload>): EventDefinition<TPayload> {
  if (!NAME.test(definition.producer))
    throw new Error(`event producer "${definition.producer}" must be a service name (a-z, 0-9, -)`);
  if (!TYPE.test(definition.type))
    throw new Error(
      `event type "${definition.type}" must look like "entity.happened" or "order.payment_requested" (lower case, dotted)`,
    );
  if (!Number.isInteger(definition.version) || definition.version < 1)
    throw new Error(
      `event ${definition.type} has version ${definition.version}: versions are integers from 1`,
    );
  return definition;
}

/** `products/product.created@1`, for logs and errors. */
export function describeEvent(event: Pick<EventEnvelope, 'producer' | 'type' | 'version'>): string {
  return `${event.producer}/${event.type}@${event.version}`;
}
