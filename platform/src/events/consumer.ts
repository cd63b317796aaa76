import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { EventMetrics } from '../metrics';
import { describeEvent, type EventEnvelope, eventEnvelopeSchema } from './envelope';
import type { EventHandler } from './handlers';
import type { RetryPolicy } from './retry-policy';
import { deadLetters, inbox } from './tables';
import { currentTracePropagation } from './trace-context';
import type { Delivery, DeliveryOutcome } from './transport';

type TableSchema = Record<string, unknown>;

export type DeadLetterReason =
  | 'invalid_envelope'
  | 'unknown_type'
  | 'unknown_version'
  | 'invalid_payload'
  | 'handler_failed';

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
        await tx
          .insert(deadLetters)
          .values({
            eventId,
            consumer,
            producer: envelope?.producer ?? null,
            type: envelope?.type ?? null,
            version: envelope?.version ?? null,
            reason,
            detail: detail.slice(0, 4000),
            // The column is required; an empty message is kept as a note saying so.
            envelope: delivery.body ?? 'empty message',
            attempts: delivery.attempt,
          })
          .onConflictDoNothing();
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
    const parsed = eventEnvelopeSchema.safeParse(delivery.body);
    if (!parsed.success) return deadLetter(delivery, null, 'invalid_envelope', parsed.error.message);
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
    try {
      const handled = await currentTracePropagation().extract(envelope.traceContext, () =>
        db.transaction(async (tx) => {
          const [fresh] = await tx
            .insert(inbox)
            .values({ eventId: envelope.id, consumer, type: envelope.type })
            .onConflictDoNothing()
            .returning({ eventId: inbox.eventId });
          if (!fresh) return false;
          await prepared.apply(tx);
          return true;
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
