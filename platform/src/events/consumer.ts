import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { EventMetrics } from '../metrics';
import { describeEvent, type EventEnvelope, eventEnvelopeSchema } from './envelope';
import type { EventHandler } from './handlers';
import { EXTRA_DELIVERIES, type RetryPolicy } from './retry-policy';
import { deadLetters, inbox } from './tables';
import { currentTracePropagation } from './trace-context';
import type { Delivery, DeliveryOutcome } from './transport';
import { envelopeFromBinary, storableBody, toStoredEnvelope } from './wire';

type TableSchema = Record<string, unknown>;

export const DEAD_LETTER_REASONS = [
  'invalid_envelope',
  'unknown_type',
  'unknown_version',
  'invalid_payload',
  'handler_failed',
  'redeliveries_exhausted',
] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface ConsumerOptions<TSchema extends TableSchema> {
  /** The consumer's name: the inbox key, the bus' durable consumer / queue. Usually the service name. */
  name: string;
  /** The consuming service's own database. */
  db: Database<TSchema>;
  handlers: readonly EventHandler<TSchema>[];
  retry: RetryPolicy;
  metrics: EventMetrics;
  logger: Logger;
}

/**
 * Turns one delivery into its effect, exactly once: the inbox row and the handler's writes
 * commit in one transaction, a redelivery finds the row and does nothing. What cannot be
 * handled (unreadable envelope, unknown type or version, invalid payload, a handler still
 * failing on its last attempt) goes to `dead_letters` with the reason and is acknowledged, so
 * it never blocks the stream. Only a failure to reach the database leaves a message unacked.
 */
export function createDeliveryHandler<TSchema extends TableSchema>(
  options: ConsumerOptions<TSchema>,
): (delivery: Delivery) => Promise<DeliveryOutcome> {
  const { name: consumer, db, metrics, logger, retry } = options;
  const byEvent = new Map<string, EventHandler<TSchema>>();
  const knownTypes = new Set<string>();
  for (const handler of options.handlers) {
    byEvent.set(describeEvent(handler.event), handler);
    knownTypes.add(`${handler.event.producer}/${handler.event.type}`);
  }

  // The last delivery the bus will make (see EXTRA_DELIVERIES).
  const lastDelivery = retry.maxAttempts + EXTRA_DELIVERIES;

  const writeDeadLetter = async (
    tx: Database<TSchema>,
    delivery: Delivery,
    envelope: EventEnvelope | null,
    reason: DeadLetterReason,
    detail: string,
  ) => {
    const row = {
      reason,
      detail: detail.slice(0, 4000),
      // What events:replay reads back; an unreadable body as it came (bytes as base64), an empty one as a note.
      envelope: envelope
        ? toStoredEnvelope(envelope, byEvent.get(describeEvent(envelope))?.event.schema)
        : storableBody(delivery.body),
      attempts: delivery.attempt,
    };
    await tx
      .insert(deadLetters)
      .values({
        eventId: envelope?.id ?? delivery.messageId,
        consumer,
        producer: envelope?.producer ?? null,
        type: envelope?.type ?? null,
        version: envelope?.version ?? null,
        ...row,
      })
      .onConflictDoUpdate({ target: [deadLetters.eventId, deadLetters.consumer], set: row });
  };

  const deadLetter = async (
    delivery: Delivery,
    envelope: EventEnvelope | null,
    reason: DeadLetterReason,
    detail: string,
  ): Promise<DeliveryOutcome> => {
    const eventId = envelope?.id ?? delivery.messageId;
    const type =
      envelope && knownTypes.has(`${envelope.producer}/${envelope.type}`) ? envelope.type : 'other';
    try {
      await db.transaction(async (tx) => {
        await writeDeadLetter(tx, delivery, envelope, reason, detail);
        // A dead-lettered event counts as taken: a late redelivery must not run the handler after all.
        if (envelope)
          await tx.insert(inbox).values({ eventId, consumer, type: envelope.type }).onConflictDoNothing();
      });
    } catch (error) {
      logger.error(
        { err: error, eventId, reason },
        'could not write a dead letter; the event stays on the bus',
      );
      return 'retry';
    }
    metrics.deadLetters.inc({ consumer, type, reason });
    logger.warn({ eventId, reason, detail, attempt: delivery.attempt }, `event dead-lettered: ${reason}`);
    return 'ack';
  };

  return async (delivery) => {
    const parsed = readEnvelope(delivery.body);
    if (!parsed.success) return deadLetter(delivery, null, 'invalid_envelope', parsed.error);
    const envelope = parsed.data;
    if (!knownTypes.has(`${envelope.producer}/${envelope.type}`))
      return deadLetter(delivery, envelope, 'unknown_type', `${consumer} does not consume ${envelope.type}`);
    const handler = byEvent.get(describeEvent(envelope));
    if (!handler)
      return deadLetter(
        delivery,
        envelope,
        'unknown_version',
        `${consumer} has no handler for version ${envelope.version} of ${envelope.type}`,
      );
    const prepared = handler.prepare(envelope);
    if (!prepared.ok) return deadLetter(delivery, envelope, 'invalid_payload', prepared.error);

    const labels = { consumer, type: envelope.type };
    const last = delivery.attempt >= lastDelivery;
    if (last) {
      // The bus gives up after this delivery. Should this process die in the handler too, the
      // event must not vanish: it is dead-lettered first, and the entry is withdrawn on success.
      try {
        await db.transaction((tx) =>
          writeDeadLetter(
            tx,
            delivery,
            envelope,
            'redeliveries_exhausted',
            `no delivery of ${delivery.attempt} finished: each process died or outlived the handler timeout`,
          ),
        );
      } catch (error) {
        logger.error(
          { err: error, eventId: envelope.id },
          'could not write a dead letter; the event stays on the bus',
        );
        return 'retry';
      }
    }
    try {
      const handled = await currentTracePropagation().extract(envelope.traceContext, () =>
        db.transaction(async (tx) => {
          const [fresh] = await tx
            .insert(inbox)
            .values({ eventId: envelope.id, consumer, type: envelope.type })
            .onConflictDoNothing()
            .returning({ eventId: inbox.eventId });
          if (fresh) await prepared.apply(tx);
          if (last)
            await tx
              .delete(deadLetters)
              .where(
                and(
                  eq(deadLetters.eventId, envelope.id),
                  eq(deadLetters.consumer, consumer),
                  eq(deadLetters.reason, 'redeliveries_exhausted'),
                ),
              );
          return fresh !== undefined;
        }),
      );
      metrics.consumed.inc({ ...labels, outcome: handled ? 'handled' : 'duplicate' });
      if (handled)
        metrics.deliveryLatency.observe(labels, (Date.now() - Date.parse(envelope.occurredAt)) / 1000);
      return 'ack';
    } catch (error) {
      metrics.handlerFailures.inc(labels);
      const message = error instanceof Error ? error.message : String(error);
      if (delivery.attempt >= retry.maxAttempts)
        return deadLetter(delivery, envelope, 'handler_failed', `attempt ${delivery.attempt}: ${message}`);
      logger.warn(
        { err: error, eventId: envelope.id, attempt: delivery.attempt },
        `handling ${describeEvent(envelope)} failed; it will be retried`,
      );
      return 'retry';
    }
  };
}

/**
 * The envelope a body holds: `shop.events.v1.Envelope` bytes, or a JSON envelope written before
 * Protobuf. Either way its fields are checked here; the payload is left to the handler.
 */
export function readEnvelope(
  body: unknown,
): { success: true; data: EventEnvelope } | { success: false; error: string } {
  let candidate = body;
  if (body instanceof Uint8Array) {
    try {
      candidate = envelopeFromBinary(body);
    } catch (error) {
      return { success: false, error: `no shop.events.v1.Envelope: ${(error as Error).message}` };
    }
  }
  const parsed = eventEnvelopeSchema.safeParse(candidate);
  return parsed.success
    ? { success: true, data: parsed.data }
    : { success: false, error: parsed.error.message };
}
