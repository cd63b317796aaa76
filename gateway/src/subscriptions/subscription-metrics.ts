import type { Metrics } from '@shop/platform/metrics';
import { Gauge } from 'prom-client';

/** Sockets open from the gateway to subgraphs for subscriptions (one per client subscription): back to 0 when none runs. */
export function subgraphSubscriptionSockets(metrics: Metrics): Gauge<'subgraph'> {
  return new Gauge({
    name: 'gateway_subgraph_subscription_sockets',
    help: 'WebSocket connections open from the gateway to subgraphs for subscriptions, by subgraph.',
    labelNames: ['subgraph'],
    registers: [metrics.registry],
  });
}
