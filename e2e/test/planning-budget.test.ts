import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doublingFragments } from '../../gateway/test/support/doubling-fragments';
import { startTestStack, type TestStack } from '../src/test-stack';

let stack: TestStack;

// Limits as an operator who needs deep operations might raise them: the planner must stay off the
// event loop whatever the limits let through (with the defaults the guard refuses the doubling
// document first). MAX_TOKENS stays: it is what bounds parsing and validation on the event loop
// (graphql-js validates 10,000 aliases in ~0.8 s, before any plan is asked for).
const RAISED_LIMITS = {
  MAX_DEPTH: '100',
  MAX_ALIASES: '1000000',
  MAX_COST: '1000000000',
};

beforeAll(async () => {
  stack = await startTestStack({ seed: DEMO_SEED_PLAN, env: RAISED_LIMITS });
});
afterAll(async () => {
  await stack?.stop();
});

/** 10,000 aliases of a field another subgraph resolves: one entity fetch with all of them to plan. */
function manyAliases(count: number): string {
  const aliases = Array.from({ length: count }, (_, index) => `a${index}:inStock`).join(' ');
  return `{ products(first: 1) { edges { node { ${aliases} } } } }`;
}

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(query: string): Promise<Answer> {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** Latencies (ms) of `{ categories { id } }` sent one after another until `until` settles. */
async function otherClient(until: Promise<unknown>, atLeastMs: number): Promise<number[]> {
  let done = false;
  const stop = Promise.all([until, new Promise((resolve) => setTimeout(resolve, atLeastMs))]).then(() => {
    done = true;
  });
  const latencies: number[] = [];
  while (!done) {
    const started = performance.now();
    const { status, body } = await post('{ categories { id } }');
    latencies.push(performance.now() - started);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  }
  await stop;
  return latencies;
}

function p99(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(stack.gatewayMetricsUrl)).text();
  const line = text
    .split('\n')
    .find(
      (candidate) =>
        candidate.startsWith(`${name}{`) && labels.split(',').every((label) => candidate.includes(label)),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const DOUBLING = doublingFragments(13);
const ALIASES = manyAliases(10_000);

describe('planning never blocks the gateway', () => {
  it('costs other clients no more than 50 ms at p99 while hostile plans are refused', async () => {
    // Warm: the gateway's planners and the other client's plan and cache.
    await otherClient(Promise.resolve(), 500);
    const baseline = p99(await otherClient(Promise.resolve(), 3000));

    const attack = Promise.all(Array.from({ length: 20 }, () => [post(DOUBLING), post(ALIASES)]).flat());
    const during = await otherClient(attack, 1000);
    const answers = await attack;
    const underAttack = p99(during);
    console.info(
      `{ categories { id } } p99: ${baseline.toFixed(1)} ms alone, ${underAttack.toFixed(1)} ms under attack (${during.length} requests)`,
    );
    answers.forEach((answer, index) => {
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe(
        index % 2 === 0 ? 'MAX_PLANNING_TIME_LIMIT' : 'MAX_TOKENS_LIMIT',
      );
    });
    // The twenty copies of the doubling document were planned once (they waited on one planning).
    expect(await metric('gateway_query_planning_duration_seconds_count', 'outcome="refused"')).toBe(1);
    expect(underAttack - baseline).toBeLessThanOrEqual(50);
  });

  it('remembers a refusal: the same document is refused at once, without planning again', async () => {
    const planned = await metric('gateway_query_planning_duration_seconds_count', 'outcome="refused"');
    const remembered = await metric(
      'gateway_query_plans_refused_total',
      'code="MAX_PLANNING_TIME_LIMIT",from="memory"',
    );
    const started = performance.now();
    const again = await post(DOUBLING);
    const took = performance.now() - started;
    expect(again.status).toBe(400);
    expect(again.body.errors?.[0]?.extensions?.code).toBe('MAX_PLANNING_TIME_LIMIT');
    expect(took).toBeLessThan(500);
    expect(await metric('gateway_query_planning_duration_seconds_count', 'outcome="refused"')).toBe(planned);
    expect(
      await metric('gateway_query_plans_refused_total', 'code="MAX_PLANNING_TIME_LIMIT",from="memory"'),
    ).toBe(remembered + 1);
  });

  it('the playground plans through the same threads, within the same budget', async () => {
    const response = await fetch(new URL('/playground/query-plan', stack.gatewayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: DOUBLING }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code?: string }).code).toBe('MAX_PLANNING_TIME_LIMIT');
    const storefront = await post('{ products(first: 2) { edges { node { name inStock } } } }');
    expect(storefront.status).toBe(200);
    expect(storefront.body.errors).toBeUndefined();
  });
});
