import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SeenNonces, verifyGatewayRequest } from '@shop/platform/auth';
import { listen, readBody } from '@shop/platform/http';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageReport } from '../src/usage/usage-batch';
import { catalogGraph } from './support/catalog-graph';
import { type SwitchableGraph, startSwitchableGraph } from './support/switchable-subgraphs';

const SECRET = 'cached-usage-test-secret-0123456789abcdef';
const reports: UsageReport[] = [];
let registry: Server;
let graph: SwitchableGraph;

beforeAll(async () => {
  // A stand-in registry: it takes only reports signed with the gateway's secret, as the real one does.
  const nonces = new SeenNonces();
  registry = createServer(async (req, res) => {
    const body = await readBody(req, 10 * 1024 * 1024);
    try {
      verifyGatewayRequest(SECRET, {
        method: 'POST',
        path: req.url ?? '/',
        body,
        headers: req.headers,
        nonces,
      });
    } catch {
      res.writeHead(403).end();
      return;
    }
    reports.push(JSON.parse(body.toString('utf8')) as UsageReport);
    res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
  });
  const port = await listen(registry, '127.0.0.1', 0);
  graph = await startSwitchableGraph(catalogGraph(), {
    REGISTRY_URL: `http://127.0.0.1:${port}`,
    USAGE_REPORTING_SECRET: SECRET,
    USAGE_REPORT_INTERVAL_SECONDS: '0.1',
  });
});

afterAll(async () => {
  await graph?.stop();
  registry?.closeAllConnections();
  registry?.close();
});

/** Requests reported for the operation named `name`, per client `name@version`. */
function reported(name: string): Map<string, number> {
  const hashes = new Set(
    reports
      .flatMap((report) => report.operations.filter((operation) => operation.name === name))
      .map((o) => o.hash),
  );
  const byClient = new Map<string, number>();
  for (const count of reports.flatMap((report) => report.counts))
    if (hashes.has(count.hash)) {
      const client = `${count.clientName}@${count.clientVersion}`;
      byClient.set(client, (byClient.get(client) ?? 0) + count.count);
    }
  return byClient;
}

async function waitForReported(name: string, total: number): Promise<Map<string, number>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const byClient = reported(name);
    if ([...byClient.values()].reduce((sum, count) => sum + count, 0) >= total || Date.now() > deadline)
      return byClient;
    await sleep(50);
  }
}

const client = (name: string, version: string) => ({
  'apollographql-client-name': name,
  'apollographql-client-version': version,
});

describe('usage of answers from the response cache', () => {
  it('counts every request served, cached or not, under the client that sent it', async () => {
    const query = 'query Catalog { products { id name rating } }';
    for (let i = 0; i < 3; i++) {
      const answer = await graph.graphql(query, { headers: client('storefront', '2.0.0') });
      expect(answer.body.errors).toBeUndefined();
    }
    const fromCache = await graph.graphql(query, { headers: client('ios', '7.1') });
    expect(fromCache.headers.get('age')).toMatch(/^\d+$/);
    // One request reached the subgraph; the other three were answered by the cache.
    expect(graph.subgraph('catalog').calls()).toBe(1);

    const byClient = await waitForReported('Catalog', 4);
    expect(Object.fromEntries(byClient)).toEqual({ 'storefront@2.0.0': 3, 'ios@7.1': 1 });
    const catalog = reports
      .flatMap((report) => report.operations)
      .find((operation) => operation.name === 'Catalog');
    expect(catalog?.coordinates).toEqual(expect.arrayContaining(['Query.products', 'Product.name']));
    const errors = reports.flatMap((report) => report.counts).reduce((sum, count) => sum + count.errors, 0);
    expect(errors).toBe(0);
  });

  it('counts a persisted query answered from the cache by its hash alone', async () => {
    const query = 'query Shelf { products { id } }';
    const callsBefore = graph.subgraph('catalog').calls();
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const send = (withText: boolean) =>
      fetch(graph.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...client('storefront', '2.0.0') },
        body: JSON.stringify({
          ...(withText ? { query } : {}),
          extensions: { persistedQuery: { version: 1, sha256Hash } },
        }),
      }).then((response) => response.json() as Promise<{ errors?: unknown }>);
    expect((await send(true)).errors).toBeUndefined();
    for (let i = 0; i < 3; i++) expect((await send(false)).errors).toBeUndefined();
    // The text and the first hash-only request ran (each its own cache key); the last two were cached.
    expect(graph.subgraph('catalog').calls() - callsBefore).toBe(2);

    const byClient = await waitForReported('Shelf', 4);
    expect(Object.fromEntries(byClient)).toEqual({ 'storefront@2.0.0': 4 });
    const metrics = await graph.metrics();
    expect(metrics).not.toMatch(/gateway_usage_dropped_total\{reason="unknown_operation"\} [1-9]/);
  });
});

describe('introspection is not usage', () => {
  it("reports neither GraphiQL's schema fetch nor a __typename-only query, and no coordinate under a meta field", async () => {
    const graphiql = client('graphiql', '5');
    for (let i = 0; i < 2; i++) {
      const schemaFetch = await graph.graphql(getIntrospectionQuery(), { headers: graphiql });
      expect(schemaFetch.body.errors).toBeUndefined();
    }
    expect(
      (await graph.graphql('query Ping { __typename }', { headers: graphiql })).body.errors,
    ).toBeUndefined();
    // Introspection beside real fields: only the real fields are usage.
    const mixed = await graph.graphql(
      'query Mixed { products { id __typename } __type(name: "Product") { fields { name type { name } } } }',
      { headers: graphiql },
    );
    expect(mixed.body.errors).toBeUndefined();

    expect(Object.fromEntries(await waitForReported('Mixed', 1))).toEqual({ 'graphiql@5': 1 });
    const operations = reports.flatMap((report) => report.operations);
    expect(operations.find((operation) => operation.name === 'Mixed')?.coordinates).toEqual([
      'Product.id',
      'Query.products',
    ]);
    expect(operations.map((operation) => operation.name)).not.toContain('IntrospectionQuery');
    expect(operations.map((operation) => operation.name)).not.toContain('Ping');
    expect(operations.flatMap((operation) => operation.coordinates).filter((c) => c.includes('__'))).toEqual(
      [],
    );
  });
});
