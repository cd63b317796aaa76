import type { Metrics } from '@shop/platform/metrics';
import { Counter } from 'prom-client';

/** Operations the gateway refused before any subgraph saw them, by error code. */
export function rejectionCounter(metrics: Metrics): Counter<'reason'> {
  return new Counter({
    name: 'gateway_operations_rejected_total',
    help: 'Operations refused by the operation limits before validation or planning, by error code.',
    labelNames: ['reason'],
    registers: [metrics.registry],
  });
}
