import type { EventEnvelope } from './envelope';

/** The event types one consumer reads from one producer; every version of them reaches it. */
export interface EventSubscription {
  producer: string;
  type: string;
}

/** One message as a transport hands it to a consumer, not yet checked. */
export interface Delivery {
  /** The transport's own id of the message: names a dead letter whose envelope has no usable id. */
  messageId: string;
  /**
   * The body as the bus carried it: `shop.events.v1.Envelope` bytes (a `Uint8Array`), or a JSON
   * envelope written before Protobuf, parsed (see wire.ts). An envelope, if the producer was well behaved.
   */
  body: unknown;
  /** 1 on the first delivery, counted by the bus across replicas and restarts. */
  attempt: number;
}

/** `ack`: done with it (handled, a duplicate, or dead-lettered); `retry`: deliver it again later, with backoff. */
export type DeliveryOutcome = 'ack' | 'retry';

export interface ConsumeOptions {
  /** Messages handled at once by this process. */
  concurrency: number;
}

export interface RunningConsumer {
  /** Stops taking messages and waits for the ones in hand to finish. */
  stop(): Promise<void>;
}

export type PublishResult = { ok: true } | { ok: false; error: string };

/**
 * A message bus the outbox relay publishes to and consumers read from. Both implementations
 * (pg-boss, NATS JetStream) pass the same contract tests: durable, at-least-once, deduplicated
 * on the event id, competing replicas of one consumer share the work, fan-out to every
 * consuming service, bounded redeliveries with backoff.
 */
export interface EventTransport {
  readonly kind: 'pg-boss' | 'nats';
  /** Where it connects, password hidden: safe for logs. */
  readonly displayUrl: string;
  /** What a producer needs before it publishes (NATS: its stream). Idempotent. */
  prepareProducer(producer: string): Promise<void>;
  /**
   * Hands events to the bus; each result says whether the bus durably accepted that event. An
   * envelope whose payload is a `Uint8Array` travels as a Protobuf Envelope; any other payload
   * (a row written before Protobuf) as the JSON envelope the previous code wrote.
   */
  publish(envelopes: readonly EventEnvelope[]): Promise<PublishResult[]>;
  /**
   * Starts delivering the subscribed events to `deliver`, sharing them with every other process
   * consuming under the same name. Returns once the subscription is durable: events published
   * from then on reach this consumer even while it is down.
   */
  consume(
    consumer: string,
    subscriptions: readonly EventSubscription[],
    deliver: (delivery: Delivery) => Promise<DeliveryOutcome>,
    options: ConsumeOptions,
  ): Promise<RunningConsumer>;
  /**
   * Puts an event on the bus again for one consumer only (the replay of a dead letter): past the
   * bus' dedupe on the event id, and unseen by every other consumer of the event. Resolves once
   * the bus durably holds it; rejects when it did not take it, or when `consumer` does not read
   * that producer's events on this bus.
   */
  redeliver(consumer: string, envelope: EventEnvelope): Promise<void>;
  /** Rejects when the bus cannot be reached now (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
