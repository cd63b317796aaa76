import type { Metrics } from '@shop/platform/metrics';
import { Counter, Histogram } from 'prom-client';

export interface PlanningMetrics {
  /** Each run of a planner, by outcome: `planned`, `refused` (over budget), `invalid` or `failed`. */
  duration: Histogram<'outcome'>;
  /** Requests refused by the planning budget, by code, and `from` the planner or the memory of an earlier refusal. */
  refused: Counter<'code' | 'from'>;
}

export function planningMetrics(metrics: Metrics): PlanningMetrics {
  return {
    duration: new Histogram({
      name: 'gateway_query_planning_duration_seconds',
      help: 'Time a planner worker spent on one operation (cached plans and remembered refusals are not planned again), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    }),
    refused: new Counter({
      name: 'gateway_query_plans_refused_total',
      help: 'Operations refused for going over the planning budget, by code, from the planner or from the memory of an earlier refusal.',
      labelNames: ['code', 'from'],
      registers: [metrics.registry],
    }),
  };
}
