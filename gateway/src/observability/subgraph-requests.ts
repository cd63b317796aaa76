import type { GraphQLDataSource, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { Metrics } from '@shop/platform/metrics';
import { traceOutgoingRequest } from '@shop/platform/telemetry';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { GatewayContext } from '../context';

interface SubgraphMetrics {
  requests: Counter<'subgraph' | 'outcome'>;
  duration: Histogram<'subgraph'>;
}

// One set per registry: every subgraph's data source of one gateway shares it.
const metricsOfRegistry = new WeakMap<Registry, SubgraphMetrics>();

function subgraphMetrics(registry: Registry): SubgraphMetrics {
  const existing = metricsOfRegistry.get(registry);
  if (existing) return existing;
  const created: SubgraphMetrics = {
    requests: new Counter({
      name: 'gateway_subgraph_requests_total',
      help: 'Requests the gateway sent to each subgraph, by outcome: ok, error (the answer carried GraphQL errors) or failed (no usable answer).',
      labelNames: ['subgraph', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'gateway_subgraph_request_duration_seconds',
      help: 'Time for a subgraph to answer the gateway, as the gateway sees it.',
      labelNames: ['subgraph'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  metricsOfRegistry.set(registry, created);
  return created;
}

/**
 * A subgraph's data source with its calls counted and timed per subgraph, and traced: each
 * call is a client span whose `traceparent` goes along, so the subgraph's spans join the
 * client's trace.
 */
export function observeSubgraph(
  subgraph: string,
  metrics: Metrics,
  dataSource: RemoteGraphQLDataSource<GatewayContext>,
): GraphQLDataSource<GatewayContext> {
  const { requests, duration } = subgraphMetrics(metrics.registry);
  const fetch = dataSource.fetcher;
  dataSource.fetcher = (url, init = {}) =>
    traceOutgoingRequest(
      { method: init.method ?? 'GET', url, spanName: `POST ${subgraph}` },
      (traceHeaders) => fetch(url, { ...init, headers: { ...init.headers, ...traceHeaders } }),
    );
  return {
    async process(options) {
      // Health checks and schema loading are the gateway's own business, not client traffic.
      if (!('incomingRequestContext' in options)) return dataSource.process(options);
      const stopTimer = duration.startTimer({ subgraph });
      let outcome: 'ok' | 'error' | 'failed' = 'failed';
      try {
        const response = await dataSource.process(options);
        outcome = (response.errors?.length ?? 0) > 0 ? 'error' : 'ok';
        return response;
      } finally {
        stopTimer();
        requests.inc({ subgraph, outcome });
      }
    },
  };
}
