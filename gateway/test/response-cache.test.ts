import { randomBytes } from 'node:crypto';
import { testRedisUrl } from '@shop/devkit/testing';
import { withoutRedis } from '@shop/devkit/testing/services';
import { createLogger } from '@shop/platform/logger';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';
import { catalogGraph } from './support/catalog-graph';
import { type SwitchableGraph, startSwitchableGraph } from './support/switchable-subgraphs';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';

const REDIS_URL = testRedisUrl();

let graph: SwitchableGraph | null = null;
let issuer: TestIssuer | null = null;
const extraGateways: RunningGateway[] = [];
afterEach(async () => {
  for (const gateway of extraGateways.splice(0)) await gateway.stop();
  await graph?.stop();
  graph = null;
  issuer?.stop();
  issuer = null;
});

const PRODUCTS = '{ products { id name rating } }';

function cacheLookups(metrics: string, result: 'hit' | 'miss'): number {
  const match = new RegExp(`^cache_lookups_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'm').exec(
    metrics,
  );
  return Number(match?.[1] ?? 0);
}

describe('the response cache (in memory)', () => {
  it('answers a public query again without asking a subgraph, as the hints allow, and says how old it is', async () => {
    graph = await startSwitchableGraph(catalogGraph());

    const first = await graph.graphql(PRODUCTS);
    const calls = graph.subgraph('catalog').calls() + graph.subgraph('ratings').calls();
    const second = await graph.graphql(PRODUCTS);

    expect(second.body).toEqual(first.body);
    expect(first.body.errors).toBeUndefined();
    expect(graph.subgraph('catalog').calls() + graph.subgraph('ratings').calls()).toBe(calls);
    // The subgraphs allow a minute; the gateway keeps nothing longer than its bound (30 s by default).
    expect(first.headers.get('cache-control')).toBe('max-age=30, public');
    expect(second.headers.get('cache-control')).toBe('max-age=30, public');
    expect(second.headers.get('age')).toMatch(/^\d+$/);
    const metrics = await graph.metrics();
    expect(cacheLookups(metrics, 'hit')).toBe(1);
    expect(cacheLookups(metrics, 'miss')).toBe(1);
  });

  it('forgets an answer once the bound has passed', async () => {
    graph = await startSwitchableGraph(catalogGraph(), { RESPONSE_CACHE_MAX_AGE_SECONDS: '1' });

    await graph.graphql(PRODUCTS);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await graph.graphql(PRODUCTS);

    expect(graph.subgraph('catalog').calls()).toBe(2);
  });

  it('never keeps what a subgraph marked private, left without a hint, or answered with an error', async () => {
    graph = await startSwitchableGraph(catalogGraph(), { SUBGRAPH_RETRIES: '0' });

    const notes = [await graph.graphql('{ myNote }'), await graph.graphql('{ myNote }')];
    expect(notes.map((answer) => answer.body.data?.myNote)).toEqual(['note 1', 'note 2']);
    // Private: the shopper's own client may keep it; the gateway does not.
    expect(notes[0]?.headers.get('cache-control')).toBe('max-age=60, private');

    await graph.graphql('{ shelf }');
    await graph.graphql('{ shelf }');
    expect(graph.subgraph('catalog').calls()).toBe(4);

    await graph.subgraph('ratings').set('down');
    await graph.graphql(PRODUCTS);
    await graph.subgraph('ratings').set('up');
    const afterOutage = await graph.graphql(PRODUCTS);
    expect(afterOutage.body.errors).toBeUndefined();
    expect(afterOutage.body.data?.products).toContainEqual({ id: 'p1', name: 'Kettle', rating: 4.5 });
  });

  it('never keeps the answer of a mutation, whatever the types it returns allow', async () => {
    graph = await startSwitchableGraph(catalogGraph());

    const first = await graph.graphql('mutation { touch { id name } }');
    await graph.graphql('mutation { touch { id name } }');

    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(graph.subgraph('catalog').calls()).toBe(2);
  });

  it('answers identical requests that arrive together with one execution', async () => {
    graph = await startSwitchableGraph(catalogGraph({ ratingsDelayMs: 100 }));

    const answers = await Promise.all(Array.from({ length: 8 }, () => graph?.graphql(PRODUCTS)));

    expect(new Set(answers.map((answer) => JSON.stringify(answer?.body))).size).toBe(1);
    expect(graph.subgraph('ratings').calls()).toBe(1);
  });

  it('keeps anonymous callers, customers and admins apart', async () => {
    issuer = await startTestIssuer();
    graph = await startSwitchableGraph(catalogGraph(), { JWKS_URL: issuer.jwksUrl });
    const customer = await issuer.sign({ sub: 'c1', role: 'CUSTOMER' });
    const otherCustomer = await issuer.sign({ sub: 'c2', role: 'CUSTOMER' });
    const admin = await issuer.sign({ sub: 'a1', role: 'ADMIN', scope: 'catalog:write' });

    await graph.graphql(PRODUCTS);
    await graph.graphql(PRODUCTS, { headers: { authorization: `Bearer ${customer}` } });
    await graph.graphql(PRODUCTS, { headers: { authorization: `Bearer ${admin}` } });
    expect(graph.subgraph('catalog').calls()).toBe(3);
    // Public data is the same for every customer: the second one is served from the cache.
    await graph.graphql(PRODUCTS, { headers: { authorization: `Bearer ${otherCustomer}` } });
    expect(graph.subgraph('catalog').calls()).toBe(3);
  });
});

// A fresh machine has no Redis: skipped there (the global setup says why), run in CI.
describe.skipIf(withoutRedis())('the response cache in Redis (REDIS_URL)', () => {
  it('is shared by every gateway on it, under its own key prefix', async () => {
    const prefix = `test:${randomBytes(4).toString('hex')}:`;
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
    graph = await startSwitchableGraph(catalogGraph(), env);
    const second = await startGateway(
      loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent', SUPERGRAPH_PATH: graph.supergraphPath, ...env }, [
        'node',
        'main.ts',
      ]),
      createLogger('gateway', 'silent'),
    );
    extraGateways.push(second);
    const redis = new Redis(REDIS_URL);
    try {
      const first = await graph.graphql(PRODUCTS);
      const fromOther = await fetch(second.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: PRODUCTS }),
      });

      expect(await fromOther.json()).toEqual(first.body);
      expect(graph.subgraph('catalog').calls()).toBe(1);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
      const ttl = await redis.ttl(keys[0] ?? '');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('serves without a cache when Redis cannot be reached', async () => {
    graph = await startSwitchableGraph(catalogGraph(), { REDIS_URL: 'redis://127.0.0.1:1' });

    const answers = [await graph.graphql(PRODUCTS), await graph.graphql(PRODUCTS)];

    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    expect(graph.subgraph('catalog').calls()).toBe(2);
  });
});
