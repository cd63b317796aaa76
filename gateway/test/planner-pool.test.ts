import { readFileSync } from 'node:fs';
import { createLogger } from '@shop/platform/logger';
import { createMetrics, type Metrics } from '@shop/platform/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanRefused } from '../src/planning/plan-refused';
import { PlannerPool, type PlannerPoolOptions, plannedSupergraph } from '../src/planning/planner-pool';
import { takeOverSecurityFeatures } from '../src/supergraph/security-features';
import { doublingFragments } from './support/doubling-fragments';

// The shop's supergraph as the gateway hands it to its planners (security links taken over).
const { plannerSdl } = takeOverSecurityFeatures(
  readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'),
);
const supergraph = plannedSupergraph(plannerSdl);
const SMALL_QUERY = '{ products(first: 1) { edges { node { name inStock } } } }';

let pool: PlannerPool | undefined;
let metrics: Metrics;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function startPool(options: Partial<PlannerPoolOptions>): PlannerPool {
  metrics = createMetrics('gateway');
  pool = new PlannerPool(
    {
      workers: 1,
      queueLength: 10,
      maxPlanningMs: 2000,
      maxPlanBytes: 256 * 1024,
      validateSupergraph: false,
      ...options,
    },
    createLogger('gateway', 'silent'),
    metrics,
  );
  pool.warm(supergraph);
  return pool;
}

async function refusal(query: string): Promise<PlanRefused> {
  const error = await pool?.plan({ supergraph, query, operationName: undefined, validate: false }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PlanRefused);
  return error as PlanRefused;
}

async function refusedFrom(from: 'planner' | 'memory'): Promise<number> {
  const counter = metrics.registry.getSingleMetric('gateway_query_plans_refused_total');
  if (!counter) throw new Error('gateway_query_plans_refused_total is not registered');
  const { values } = await counter.get();
  return values.filter((value) => value.labels.from === from).reduce((sum, value) => sum + value.value, 0);
}

describe('the planner pool remembers refusals', () => {
  it('an over-time refusal is remembered for a while, then the operation is planned again (the machine may have been busy)', async () => {
    startPool({ maxPlanningMs: 150, overTimeMemoryMs: 1500 });
    const query = doublingFragments(13);

    expect((await refusal(query)).code).toBe('MAX_PLANNING_TIME_LIMIT');
    expect(await refusedFrom('planner')).toBe(1);

    const started = performance.now();
    expect((await refusal(query)).code).toBe('MAX_PLANNING_TIME_LIMIT');
    expect(performance.now() - started).toBeLessThan(100);
    expect(await refusedFrom('memory')).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await refusal(query)).code).toBe('MAX_PLANNING_TIME_LIMIT');
    expect(await refusedFrom('planner')).toBe(2);
  });

  it('an oversized plan stays refused for the supergraph version, however long after', async () => {
    startPool({ maxPlanBytes: 200, overTimeMemoryMs: 50 });

    expect((await refusal(SMALL_QUERY)).code).toBe('MAX_PLAN_SIZE_LIMIT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await refusal(SMALL_QUERY)).code).toBe('MAX_PLAN_SIZE_LIMIT');
    expect(await refusedFrom('planner')).toBe(1);
    expect(await refusedFrom('memory')).toBe(1);
  });

  it('a refusal is not remembered for another supergraph version', async () => {
    startPool({ maxPlanBytes: 200 });
    expect((await refusal(SMALL_QUERY)).code).toBe('MAX_PLAN_SIZE_LIMIT');

    const next = plannedSupergraph(`${supergraph.sdl}\n`);
    pool?.warm(next);
    const error = await pool
      ?.plan({ supergraph: next, query: SMALL_QUERY, operationName: undefined, validate: false })
      .catch((thrown: unknown) => thrown);
    expect((error as PlanRefused).code).toBe('MAX_PLAN_SIZE_LIMIT');
    expect(await refusedFrom('planner')).toBe(2);
  });
});
