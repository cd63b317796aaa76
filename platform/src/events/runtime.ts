import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { prepareEveryStatement } from '../db/prepared-statements';
import type { Logger } from '../logger';
import type { EventMetrics } from '../metrics';
import { createDeliveryHandler } from './consumer';
import type { EventDefinition } from './envelope';
import { type EventHandler, subscriptionsOf } from './handlers';
import { handledInboxRows, sentOutboxRows, startHousekeeping } from './housekeeping';
import { connectNatsTransport } from './nats-transport';
import { connectPgBossTransport } from './pg-boss-transport';
import { type OutboxRelay, startOutboxRelay } from './relay';
import type { RetryPolicy } from './retry-policy';
import type { EventTransport, RunningConsumer } from './transport';

type TableSchema = Record<string, unknown>;

/** The `events` part of a subgraph definition: what it writes and what it reads. */
export interface ServiceEvents<TSchema extends TableSchema> {
  /** Events this service writes with `publishEvent` (its schema re-exports `outbox`). A relay runs when any. */
  publishes?: readonly EventDefinition[];
  /** Its handlers (its schema re-exports `inbox` and `deadLetters`). A consumer named after the service runs when any. */
  consumes?: readonly EventHandler<TSchema>[];
}

export type EventBus = { transport: 'pg-boss'; databaseUrl: string } | { transport: 'nats'; url: string };

export interface EventBusOptions {
  bus: EventBus;
  namespace: string;
  retry: RetryPolicy;
  concurrency: number;
  /**
   * How long a handler may hold an event before the bus gives it to another replica; also how
   * soon an event in the hands of a process that died is delivered again. 30 s by default.
   */
  handlerTimeoutSeconds?: number;
  /** How long a handled event's inbox row is kept (see INBOX_RETENTION_MIN_HOURS for the floor). 30 days by default. */
  inboxRetentionHours?: number;
  /** Relay tuning (tests). */
  relay?: {
    batchSize?: number;
    pollIntervalMs?: number;
    retry?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  };
}

export interface RunningEvents {
  transport: EventTransport;
  /** Rejects when the bus cannot be reached (`/ready`). */
  ping(): Promise<void>;
  /** Stops taking events, lets the ones in hand finish, stops the relay and the pruning, disconnects. */
  stop(): Promise<void>;
}

export async function connectEventTransport(
  options: Pick<EventBusOptions, 'bus' | 'namespace' | 'retry' | 'handlerTimeoutSeconds'>,
  service: string,
  logger: Logger,
): Promise<EventTransport> {
  const { bus } = options;
  const settings = {
    namespace: options.namespace,
    retry: options.retry,
    handlerTimeoutSeconds: options.handlerTimeoutSeconds ?? 30,
  };
  switch (bus.transport) {
    case 'pg-boss':
      return connectPgBossTransport({ ...settings, url: bus.databaseUrl, logger });
    case 'nats':
      return connectNatsTransport({ ...settings, url: bus.url, logger, connectionName: service });
    default: {
      const unknown: never = bus;
      throw new Error(`unknown event transport ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * A service's part in the event system, started with the service: its outbox relay (when it
 * publishes), its consumer (when it consumes) and the pruning of the old rows they leave, on a
 * small connection pool of their own so event work neither starves requests nor counts as
 * request statements.
 */
export async function startServiceEvents<TSchema extends TableSchema>(params: {
  service: string;
  events: ServiceEvents<TSchema>;
  databaseUrl: string;
  tables: TSchema;
  options: EventBusOptions;
  metrics: EventMetrics;
  logger: Logger;
}): Promise<RunningEvents> {
  const { service, events, options, metrics, logger } = params;
  const publishes = events.publishes ?? [];
  const handlers = events.consumes ?? [];
  for (const definition of publishes)
    if (definition.producer !== service)
      throw new Error(
        `${service} declares it publishes ${definition.type} of producer "${definition.producer}"`,
      );
  const subscriptions = subscriptionsOf(handlers);

  const transport = await connectEventTransport(options, service, logger);
  const sql = postgres(params.databaseUrl, {
    max: options.concurrency + 2,
    connect_timeout: 10,
    idle_timeout: 60,
    onnotice: () => {},
  });
  let relay: OutboxRelay | undefined;
  let consumer: RunningConsumer | undefined;
  try {
    if (handlers.length > 0) {
      const deliver = createDeliveryHandler({
        name: service,
        db: drizzle({ client: prepareEveryStatement(sql), schema: params.tables }),
        handlers,
        retry: options.retry,
        metrics,
        logger,
      });
      consumer = await transport.consume(service, subscriptions, deliver, {
        concurrency: options.concurrency,
      });
    }
    if (publishes.length > 0)
      relay = await startOutboxRelay({
        producer: service,
        sql,
        transport,
        metrics,
        logger,
        ...options.relay,
      });
  } catch (error) {
    await consumer?.stop();
    await transport.close().catch(() => {});
    await sql.end({ timeout: 1 });
    throw error;
  }
  const housekeeping = startHousekeeping({
    sql,
    logger,
    pruned: [
      ...(publishes.length > 0 ? [sentOutboxRows] : []),
      ...(handlers.length > 0 ? [handledInboxRows(options.inboxRetentionHours)] : []),
    ],
  });
  logger.info(
    {
      transport: transport.kind,
      bus: transport.displayUrl,
      publishes: publishes.length,
      consumes: handlers.length,
    },
    `events on ${transport.kind}`,
  );
  return {
    transport,
    ping: () => transport.ping(),
    async stop() {
      await consumer?.stop();
      await relay?.stop();
      await housekeeping.stop();
      await transport.close();
      await sql.end({ timeout: 5 });
    },
  };
}
