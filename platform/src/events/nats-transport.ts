import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiError,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import type { Logger } from '../logger';
import type { EventEnvelope } from './envelope';
import { backoffDelayMs, EXTRA_DELIVERIES, type RetryPolicy } from './retry-policy';
import type { Delivery, EventTransport, PublishResult, RunningConsumer } from './transport';
import { envelopeToBinary, readBusBody } from './wire';

export interface NatsTransportOptions {
  url: string;
  /** Prefix of stream names and subjects, so several systems (or test runs) can share one server. */
  namespace: string;
  retry: RetryPolicy;
  logger: Logger;
  /** Shown in the server's connection list. */
  connectionName: string;
  /** How long a handler may hold an event before JetStream gives it to another replica. */
  handlerTimeoutSeconds: number;
  /** How long a stream keeps events (consumers that were down catch up within it). */
  retentionDays?: number;
}

// JetStream's API error codes (nats-server's errors.json).
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * NATS JetStream: a stream per producer (`<namespace>_events_<producer>`, subjects
 * `<namespace>.events.<producer>.<type>`), a durable pull consumer per consuming service on
 * each stream it reads (its replicas share the work), `Nats-Msg-Id` = event id so the
 * stream drops a republished event, explicit acks, and at most `maxAttempts` + a few
 * deliveries. A new consumer starts from the oldest event the stream still keeps.
 */
export async function connectNatsTransport(options: NatsTransportOptions): Promise<EventTransport> {
  const { namespace, retry, logger } = options;
  if (!/^[A-Za-z0-9_-]+$/.test(namespace))
    throw new Error(`the events namespace "${namespace}" may hold only letters, digits, "_" and "-"`);
  const nc = await connect({
    servers: options.url,
    name: options.connectionName,
    timeout: 5000,
    // A service outlives NATS restarts: it keeps reconnecting, and the outbox keeps what cannot be sent meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect')
        logger.warn(`NATS ${status.type === 'disconnect' ? 'connection lost' : 'reconnected'}`);
    }
  })();
  const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
  const jsm = await jetstreamManager(nc, { timeout: PUBLISH_TIMEOUT_MS });
  const { handlerTimeoutSeconds } = options;

  const streamName = (producer: string) => `${namespace}_events_${producer}`;
  const subject = (producer: string, type: string) => `${namespace}.events.${producer}.${type}`;
  // Replays for one consumer: in the producer's stream, under a token no event type can start
  // with (types begin with a letter), so only that consumer's filter takes them.
  const replayPrefix = (producer: string, durable: string) =>
    `${namespace}.events.${producer}._replay.${durable}.`;
  const durableName = (consumer: string) => consumer.replace(/[^A-Za-z0-9_-]/g, '_');
  const streams = new Map<string, Promise<void>>();
  const ensureStream = (producer: string): Promise<void> => {
    let ready = streams.get(producer);
    if (!ready) {
      ready = createStream(producer);
      streams.set(producer, ready);
      ready.catch(() => streams.delete(producer));
    }
    return ready;
  };
  const createStream = async (producer: string) => {
    const name = streamName(producer);
    try {
      await jsm.streams.info(name);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND)) throw error;
      // Adding a stream that another process has just added with the same settings is fine.
      await jsm.streams.add({
        name,
        subjects: [`${namespace}.events.${producer}.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: nanos((options.retentionDays ?? 7) * 86_400_000),
        duplicate_window: nanos(120_000),
      });
    }
  };

  return {
    kind: 'nats',
    displayUrl: options.url,

    prepareProducer: ensureStream,

    async publish(envelopes: readonly EventEnvelope[]): Promise<PublishResult[]> {
      return Promise.all(
        envelopes.map(async (envelope): Promise<PublishResult> => {
          try {
            await ensureStream(envelope.producer);
            await js.publish(subject(envelope.producer, envelope.type), busMessage(envelope), {
              msgID: envelope.id,
              expect: { streamName: streamName(envelope.producer) },
              timeout: PUBLISH_TIMEOUT_MS,
            });
            return { ok: true };
          } catch (error) {
            return { ok: false, error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
    },

    async consume(consumer, subscriptions, deliver, consumeOptions): Promise<RunningConsumer> {
      const durable = durableName(consumer);
      const byProducer = new Map<string, string[]>();
      for (const { producer, type } of subscriptions)
        byProducer.set(producer, [...(byProducer.get(producer) ?? []), subject(producer, type)]);

      // Several filter subjects need nats-server 2.10; older ones get the producer's whole
      // stream and this process acks the types it does not read.
      const multipleFilters = serverAtLeast(nc.info?.version, [2, 10]);
      const loops: { stop(): Promise<void> }[] = [];
      for (const [producer, subjects] of byProducer) {
        await ensureStream(producer);
        const stream = streamName(producer);
        const wanted = new Set(subjects);
        const replays = replayPrefix(producer, durable);
        const filter: Partial<ConsumerConfig> = multipleFilters
          ? { filter_subjects: [...subjects, `${replays}>`] }
          : { filter_subject: `${namespace}.events.${producer}.>` };
        const settings: Partial<ConsumerConfig> = {
          ...filter,
          max_deliver: retry.maxAttempts + EXTRA_DELIVERIES,
          ack_wait: nanos(handlerTimeoutSeconds * 1000),
          max_ack_pending: 1000,
        };
        try {
          await jsm.consumers.info(stream, durable);
          await jsm.consumers.update(stream, durable, settings);
        } catch (error) {
          if (!(error instanceof JetStreamApiError && error.code === CONSUMER_NOT_FOUND)) throw error;
          await jsm.consumers.add(stream, {
            ...settings,
            durable_name: durable,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.All,
          });
        }
        const messages = await (await js.consumers.get(stream, durable)).consume({
          max_messages: consumeOptions.concurrency * 2,
        });
        const handle = async (message: JsMsg) => {
          if (!wanted.has(message.subject) && !message.subject.startsWith(replays)) {
            message.ack();
            return;
          }
          const delivery: Delivery = {
            messageId: `${stream}:${message.seq}`,
            body: readBusBody(message.data),
            attempt: message.info.deliveryCount,
          };
          const outcome = await deliver(delivery);
          if (outcome === 'ack') message.ack();
          else message.nak(backoffDelayMs(retry, delivery.attempt));
        };
        const run = async () => {
          const inFlight = new Set<Promise<void>>();
          for await (const message of messages) {
            const handled: Promise<void> = handle(message)
              .catch((error: unknown) =>
                logger.error({ err: error }, `consumer ${consumer} failed on a message`),
              )
              .finally(() => inFlight.delete(handled));
            inFlight.add(handled);
            if (inFlight.size >= consumeOptions.concurrency) await Promise.race(inFlight);
          }
          await Promise.all(inFlight);
        };
        const running = run();
        loops.push({
          async stop() {
            await messages.close();
            await running;
          },
        });
      }
      return {
        async stop() {
          await Promise.all(loops.map((loop) => loop.stop()));
        },
      };
    },

    async redeliver(consumer, envelope) {
      const durable = durableName(consumer);
      const stream = streamName(envelope.producer);
      const replays = replayPrefix(envelope.producer, durable);
      let filters: string[];
      try {
        const { config } = await jsm.consumers.info(stream, durable);
        filters = config.filter_subjects ?? (config.filter_subject ? [config.filter_subject] : []);
      } catch (error) {
        if (
          error instanceof JetStreamApiError &&
          (error.code === CONSUMER_NOT_FOUND || error.code === STREAM_NOT_FOUND)
        )
          throw new Error(
            `${consumer} has no durable consumer on ${stream}: it does not read events of ${envelope.producer} on this bus`,
          );
        throw error;
      }
      // A consumer last started by an older version has no replay filter: the message would sit unread.
      if (
        !filters.some(
          (filter) => filter === `${replays}>` || filter === `${namespace}.events.${envelope.producer}.>`,
        )
      )
        throw new Error(
          `the consumer ${durable} on ${stream} does not take replays yet: restart ${consumer} with this version first`,
        );
      // No Nats-Msg-Id: the stream would drop it as a duplicate of the first publish within its window.
      await js.publish(`${replays}${envelope.type}`, busMessage(envelope), {
        expect: { streamName: stream },
        timeout: PUBLISH_TIMEOUT_MS,
      });
    },

    async ping() {
      if (nc.isClosed()) throw new Error('the NATS connection is closed');
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          nc.flush(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`NATS at ${options.url} does not answer`)), 2000);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}

function serverAtLeast(version: string | undefined, [major, minor]: [number, number]): boolean {
  const [actualMajor = 0, actualMinor = 0] = (version ?? '0.0').split('.').map(Number);
  return actualMajor > major || (actualMajor === major && actualMinor >= minor);
}

/** The Envelope's Protobuf bytes; a JSON payload (a row written before Protobuf) as the JSON envelope it was. */
function busMessage(envelope: EventEnvelope): Uint8Array | string {
  const { payload } = envelope;
  return payload instanceof Uint8Array
    ? envelopeToBinary({ ...envelope, payload })
    : JSON.stringify(envelope);
}
