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

/** Client subscriptions running on this gateway process (both transports): back to 0 when every client stopped. */
export function runningSubscriptionsGauge(metrics: Metrics, running: () => number): Gauge {
  return new Gauge({
    name: 'gateway_subscriptions_running',
    help: 'Client subscriptions running on this gateway process, over WebSocket and Server-Sent Events.',
    registers: [metrics.registry],
    collect() {
      this.set(running());
    },
  });
}
