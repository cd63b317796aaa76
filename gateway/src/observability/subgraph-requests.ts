import type { Metrics } from '@shop/platform/metrics';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { SubgraphService } from '../fetcher/subgraph-service';

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

/** A subgraph's requests counted and timed per subgraph (each is traced by the HTTP client). */
export function observeSubgraph(
  subgraph: string,
  metrics: Metrics,
  service: SubgraphService,
): SubgraphService {
  const { requests, duration } = subgraphMetrics(metrics.registry);
  return {
    async send(request, call) {
      const stopTimer = duration.startTimer({ subgraph });
      let outcome: 'ok' | 'error' | 'failed' = 'failed';
      try {
        const answer = await service.send(request, call);
        outcome = (answer.errors?.length ?? 0) > 0 ? 'error' : 'ok';
        return answer;
      } finally {
        stopTimer();
        requests.inc({ subgraph, outcome });
      }
    },
  };
}
