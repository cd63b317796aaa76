import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * A service's Prometheus metrics. Each service owns its registry (never prom-client's global
 * one) so that several services can run in one test process without mixing their numbers.
 */
export interface Metrics {
  registry: Registry;
  dbQueries: Counter;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route'>;
  graphqlOperations: Counter<'operation' | 'type' | 'outcome'>;
}

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
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations executed, by operation name, type and outcome.',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
  };
}
