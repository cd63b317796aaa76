import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A service's Prometheus metrics. Each service owns its registry (never prom-client's global
 * one) so that several services can run in one test process without mixing their numbers.
 */
export interface Metrics {
  registry: Registry;
  dbQueries: Counter;
  dbQueryDuration: Histogram<'statement' | 'outcome'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route'>;
  graphqlOperations: Counter<'operation' | 'type' | 'outcome'>;
  graphqlOperationDuration: Histogram<'operation' | 'type'>;
  graphqlErrors: Counter<'operation' | 'code'>;
  /** Lookups in a service's caches, by cache and `hit`/`miss`: the hit rate is hit / (hit + miss). */
  cacheLookups: Counter<'cache' | 'result'>;
  events: EventMetrics;
}

/** The outbox relay's and the consumers' numbers (see platform/src/events). */
export interface EventMetrics {
  /** Outbox rows not yet accepted by the bus. */
  outboxBacklog: Gauge;
  /** Age of the oldest of them: how far behind the relay is. */
  outboxOldestAge: Gauge;
  published: Counter<'type'>;
  publishFailures: Counter<'type'>;
  /** Events a consumer took in: `handled` (effect committed) or `duplicate` (already in its inbox). */
  consumed: Counter<'consumer' | 'type' | 'outcome'>;
  handlerFailures: Counter<'consumer' | 'type'>;
  deadLetters: Counter<'consumer' | 'type' | 'reason'>;
  /** From the producer's write to the commit of the consumer's effect. */
  deliveryLatency: Histogram<'consumer' | 'type'>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Statements are mostly sub-millisecond on a local database; the buckets start lower.
const DB_LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(service: string, options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    dbQueries: new Counter({
      name: 'db_queries_total',
      help: 'SQL statements sent to the database.',
      registers: [registry],
    }),
    dbQueryDuration: new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Time from sending an SQL statement to its result, by kind of statement and outcome.',
      labelNames: ['statement', 'outcome'],
      buckets: DB_LATENCY_BUCKETS,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to serve an HTTP request.',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations executed, by operation name, type and outcome.',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
    graphqlOperationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Time to answer a GraphQL operation, from receiving it to sending the response, by operation.',
      labelNames: ['operation', 'type'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: 'graphql_errors_total',
      help: 'Errors returned to GraphQL clients, by operation and error code.',
      labelNames: ['operation', 'code'],
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: 'cache_lookups_total',
      help: 'Cache lookups, by cache and result (hit or miss).',
      labelNames: ['cache', 'result'],
      registers: [registry],
    }),
    events: createEventMetrics(registry),
  };
}

function createEventMetrics(registry: Registry): EventMetrics {
  const registers = [registry];
  return {
    outboxBacklog: new Gauge({
      name: 'events_outbox_backlog',
      help: 'Events in the outbox not yet accepted by the bus.',
      registers,
    }),
    outboxOldestAge: new Gauge({
      name: 'events_outbox_oldest_age_seconds',
      help: 'Age of the oldest event in the outbox not yet accepted by the bus (0 when none).',
      registers,
    }),
    published: new Counter({
      name: 'events_published_total',
      help: 'Events the outbox relay handed to the bus, by type.',
      labelNames: ['type'],
      registers,
    }),
    publishFailures: new Counter({
      name: 'events_publish_failures_total',
      help: 'Failed attempts to hand an event to the bus (it is retried with backoff), by type.',
      labelNames: ['type'],
      registers,
    }),
    consumed: new Counter({
      name: 'events_consumed_total',
      help: 'Events taken in by a consumer: outcome "handled" (effect committed) or "duplicate" (already handled).',
      labelNames: ['consumer', 'type', 'outcome'],
      registers,
    }),
    handlerFailures: new Counter({
      name: 'events_handler_failures_total',
      help: 'Handler attempts that failed (the event is retried with backoff, then dead-lettered).',
      labelNames: ['consumer', 'type'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'events_dead_letters_total',
      help: 'Events set aside in the dead_letters table, by reason.',
      labelNames: ['consumer', 'type', 'reason'],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'events_delivery_latency_seconds',
      help: "Time from an event's write in the producer to the commit of its effect in the consumer.",
      labelNames: ['consumer', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}
