import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClientArtifacts } from '@shop/scripts/lib/client-documents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';
import { capturingLogger, type LibraryGraph, post, startLibraryGraph } from './library-graph';

let graph: LibraryGraph;
let dir: string;
let gateway: RunningGateway;

beforeAll(async () => {
  graph = await startLibraryGraph();
  dir = await mkdtemp(join(tmpdir(), 'metrics-exposure-'));
  const supergraph = join(dir, 'supergraph.graphql');
  await writeFile(supergraph, graph.withLoans);
  // The persisted operations the gateway knows by name.
  const { manifest } = await generateClientArtifacts(graph.apiSdl, [
    { file: 'schema/operations/shelf.graphql', source: 'query Shelf { books { isbn title } }\n' },
  ]);
  await writeFile(join(dir, 'persisted-operations.json'), JSON.stringify(manifest));
  gateway = await startGateway(
    loadGatewayConfig(
      {
        PORT: '0',
        METRICS_PORT: '0',
        PERSISTED_OPERATIONS_MANIFEST: join(dir, 'persisted-operations.json'),
      },
      ['node', 'main.ts', '--supergraph', supergraph],
    ),
    capturingLogger().logger,
  );
});

afterAll(async () => {
  await gateway?.stop();
  await graph?.close();
  await rm(dir, { recursive: true, force: true });
});

const operationLabels = (text: string) =>
  new Set(
    [...text.matchAll(/^graphql_operations_total\{[^}]*operation="([^"]*)"/gm)].map(
      (match) => match[1] ?? '',
    ),
  );

describe('gateway metrics exposure', () => {
  it('serves /metrics on METRICS_PORT only: the public port answers 404', async () => {
    expect((await fetch(new URL('/metrics', gateway.url))).status).toBe(404);
    expect(new URL(gateway.metricsUrl).port).not.toBe(new URL(gateway.url).port);
    const scraped = await fetch(gateway.metricsUrl);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('http_requests_total');
    // The probes stay on the public port.
    expect((await fetch(new URL('/health', gateway.url))).status).toBe(200);
  });

  it('520 made-up operation names do not push a known operation into `other`', async () => {
    for (let i = 0; i < 520; i++)
      expect((await post(gateway.url, { query: `query MadeUp${i} { books { isbn } }` })).status).toBe(200);
    expect((await post(gateway.url, { query: 'query Shelf { books { isbn title } }' })).status).toBe(200);
    const labels = operationLabels(await (await fetch(gateway.metricsUrl)).text());
    expect(labels.has('Shelf')).toBe(true);
    expect(labels.has('other')).toBe(true);
    expect([...labels].filter((label) => label.startsWith('MadeUp'))).toEqual([]);
  });
});
