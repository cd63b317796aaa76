import {
  connectEventTransport,
  createDeliveryHandler,
  type EventBusOptions,
  type EventEnvelope,
  type EventHandler,
} from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import type { Db, Tables } from '../src/context';

/**
 * Stands in for the orders service: puts envelopes on the test bus as its relay would, so
 * events reach reviews through its real consumer.
 */
export async function connectEventSource(options: EventBusOptions) {
  const transport = await connectEventTransport(
    options,
    'test-source',
    createLogger('test-source', 'silent'),
  );
  const envelope = (producer: string, type: string, payload: unknown): EventEnvelope => ({
    id: newId(),
    type,
    version: 1,
    producer,
    occurredAt: new Date().toISOString(),
    traceContext: {},
    payload,
  });
  const publish = async (...envelopes: EventEnvelope[]): Promise<EventEnvelope[]> => {
    const results = await transport.publish(envelopes);
    for (const result of results)
      if (!result.ok) throw new Error(`the test bus refused an event: ${result.error}`);
    return envelopes;
  };
  return {
    envelope,
    publish,
    /** Publishes one event and returns its envelope. */
    async emit(producer: string, type: string, payload: unknown): Promise<EventEnvelope> {
      const sent = envelope(producer, type, payload);
      await publish(sent);
      return sent;
    },
    close: () => transport.close(),
  };
}

/**
 * Hands an envelope to the reviews consumer code directly, as the bus does when it delivers a
 * message again (after a crash between commit and ack): past the bus' own dedupe.
 */
export function redeliverTo(db: Db, handlers: readonly EventHandler<Tables>[]) {
  const deliver = createDeliveryHandler({
    name: 'reviews',
    db,
    handlers,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    metrics: createMetrics('reviews-redelivery').events,
    logger: createLogger('reviews-redelivery', 'silent'),
  });
  return (envelope: EventEnvelope) => deliver({ messageId: envelope.id, body: envelope, attempt: 2 });
}

export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
