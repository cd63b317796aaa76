import type { Database } from '@shop/platform/db';
import {
  connectEventTransport,
  createDeliveryHandler,
  EVENT_CONTRACTS,
  type EventBusOptions,
  type EventEnvelope,
  type EventHandler,
  encodePayload,
} from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';

/**
 * Stands in for the services a subgraph hears from: puts envelopes on the test bus as their
 * relays would, so events reach the subgraph through its real consumer.
 */
export async function connectEventSource(options: EventBusOptions) {
  const transport = await connectEventTransport(
    options,
    'test-source',
    createLogger('test-source', 'silent'),
  );
  const envelope = (producer: string, type: string, payload: unknown, version = 1): EventEnvelope => ({
    id: newId(),
    type,
    version,
    producer,
    occurredAt: new Date().toISOString(),
    traceContext: {},
    payload: asProducersWriteIt({ producer, type, version }, payload),
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

export type EventSource = Awaited<ReturnType<typeof connectEventSource>>;

/**
 * The payload as a relay sends it: the Protobuf bytes of the event's message (schema/events).
 * A payload that does not fit its message (or of an event with none) goes as JSON, as events
 * written before Protobuf did: how a test hands a consumer an old or a broken event.
 */
function asProducersWriteIt(
  event: { producer: string; type: string; version: number },
  payload: unknown,
): unknown {
  const contract = EVENT_CONTRACTS.find(
    (candidate) =>
      candidate.event.producer === event.producer &&
      candidate.event.type === event.type &&
      candidate.event.version === event.version,
  );
  if (!contract) return payload;
  try {
    return encodePayload(contract.schema, payload);
  } catch {
    return payload;
  }
}

/**
 * Hands envelopes to a consumer's code directly (inbox, handler, one transaction), as the bus
 * does when it delivers a message again after a crash between commit and ack: the way past the
 * bus' own dedupe, to deliver one envelope twice.
 */
export function deliverDirectly<TSchema extends Record<string, unknown>>(options: {
  consumer: string;
  db: Database<TSchema>;
  handlers: readonly EventHandler<TSchema>[];
}) {
  const deliver = createDeliveryHandler<TSchema>({
    name: options.consumer,
    db: options.db,
    handlers: options.handlers,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
    metrics: createMetrics(`${options.consumer}-direct`).events,
    logger: createLogger(`${options.consumer}-direct`, 'silent'),
  });
  return (envelope: EventEnvelope, attempt = 2) =>
    deliver({ messageId: envelope.id, body: envelope, attempt });
}

/**
 * Polls until `check` gives a value (events take a moment to travel) and returns it; a check
 * that throws is tried again. Fails naming what it waited for, with the last error.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
