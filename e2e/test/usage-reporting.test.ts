import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen } from '@shop/platform/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/src/config';
import { type RunningGateway, startGateway } from '../../gateway/src/server';
import { capturingLogger, type LibraryGraph, startLibraryGraph } from '../../gateway/test/library-graph';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry, USAGE_SECRET } from '../../registry/test/support';

let graph: LibraryGraph;
let registry: TestRegistry;
const gateways: RunningGateway[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  graph = await startLibraryGraph();
  registry = await startTestRegistry('usage_reporting');
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await registry?.stop();
  await graph?.close();
});

async function gatewayReportingTo(registryUrl: string, env: Record<string, string> = {}) {
  const { logger, lines } = capturingLogger();
  const gateway = await startGateway(
    loadGatewayConfig(
      {
        PORT: '0',
        REGISTRY_URL: registryUrl,
        USAGE_REPORTING_SECRET: USAGE_SECRET,
        USAGE_REPORT_INTERVAL_SECONDS: '0.1',
        ...env,
      },
      ['node', 'main.ts'],
    ),
    logger,
  );
  gateways.push(gateway);
  const send = (query: string, client?: [string, string], variables?: Record<string, unknown>) =>
    fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(client
          ? { 'apollographql-client-name': client[0], 'apollographql-client-version': client[1] }
          : {}),
      },
      body: JSON.stringify({ query, variables }),
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    }));
  return { gateway, send, logs: lines };
}

// The library graph's supergraph in a file the gateway reads: SUPERGRAPH_PATH via the flag.
async function supergraphFile(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'usage-')), 'supergraph.graphql');
  await writeFile(path, graph.withLoans);
  return path;
}

async function metric(
  gateway: RunningGateway,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const found = (await gateway.metrics.registry.getSingleMetric(name)?.get())?.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return found?.value ?? 0;
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Usage {
  operationName: string | null;
  clientName: string;
  clientVersion: string;
  count: number;
}

async function usageOf(coordinate: string): Promise<Usage[]> {
  const answer = await registry.call(
    'GET',
    `/usage?coordinate=${encodeURIComponent(coordinate)}&windowHours=1`,
    {
      token: ADMIN_TOKEN,
    },
  );
  expect(answer.status).toBe(200);
  return answer.json.usage as Usage[];
}

describe('gateway usage reporting', () => {
  it('reports each operation with its coordinates and client, in signed batches the registry stores', async () => {
    const path = await supergraphFile();
    const { send } = await gatewayReportingTo(registry.url, { SUPERGRAPH_PATH: path });
    for (let i = 0; i < 3; i++) {
      const answer = await send('query Shelf { books { isbn title onLoan } }', ['storefront', '1.4.0']);
      expect(answer.body.errors).toBeUndefined();
    }
    // Another client, and arguments through a variable and a literal.
    await send('query OneBook($isbn: ID!) { book(isbn: $isbn) { title } }', ['admin', '0.9'], {
      isbn: '978-0',
    });
    await send('mutation Rename { renameBook(isbn: "978-0", title: "x") { title } }', ['admin', '0.9']);

    // Reports leave one at a time, in order: once the last operation is in, so are the others.
    await waitFor(
      "the mutation's usage",
      async () => (await usageOf('Mutation.renameBook.title')).length > 0,
    );
    expect(await usageOf('Book.onLoan')).toEqual([
      expect.objectContaining({
        operationName: 'Shelf',
        clientName: 'storefront',
        clientVersion: '1.4.0',
        count: 3,
      }),
    ]);
    expect(await usageOf('Query.book.isbn')).toEqual([
      expect.objectContaining({
        operationName: 'OneBook',
        clientName: 'admin',
        clientVersion: '0.9',
        count: 1,
      }),
    ]);
    // Book.title is used by all three operations.
    const titles = await usageOf('Book.title');
    expect(titles.map((usage) => usage.operationName).sort()).toEqual(['OneBook', 'Rename', 'Shelf']);
    // Unused fields show no usage.
    expect(await usageOf('Query.books.delayMs')).toEqual([]);
  });

  it('an unsigned or wrongly signed report is refused by the registry', async () => {
    const unsigned = await registry.call('POST', '/usage', { body: { operations: [], counts: [] } });
    expect(unsigned.status).toBe(401);
  });

  it('a registry that is down or hangs costs requests nothing; the usage is dropped and counted', async () => {
    const path = await supergraphFile();
    // A registry that takes the connection and never answers.
    const hanging = createServer(() => {});
    servers.push(hanging);
    const port = await listen(hanging, '127.0.0.1', 0);
    const { gateway, send, logs } = await gatewayReportingTo(`http://127.0.0.1:${port}`, {
      SUPERGRAPH_PATH: path,
      USAGE_REPORT_TIMEOUT_MS: '300',
      USAGE_MAX_BATCH_ENTRIES: '2',
    });
    for (let i = 0; i < 40; i++) {
      const answer = await send('{ books { isbn } }', [`client-${i % 4}`, '1']);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
    await waitFor(
      'a failed report',
      async () => (await metric(gateway, 'gateway_usage_dropped_total', { reason: 'report_failed' })) > 0,
    );
    // Four clients in batches of two entries: what does not fit is dropped, not queued.
    expect(await metric(gateway, 'gateway_usage_dropped_total', { reason: 'batch_full' })).toBeGreaterThan(0);
    expect(await metric(gateway, 'gateway_usage_reports_total', { outcome: 'failed' })).toBeGreaterThan(0);
    expect(logs.some((line) => line.msg.startsWith('a usage report failed'))).toBe(true);

    // Nothing listening at all: the same.
    const { gateway: second, send: sendToSecond } = await gatewayReportingTo('http://127.0.0.1:9', {
      SUPERGRAPH_PATH: path,
    });
    for (let i = 0; i < 5; i++) expect((await sendToSecond('{ books { title } }')).status).toBe(200);
    await waitFor(
      'usage dropped',
      async () => (await metric(second, 'gateway_usage_dropped_total', { reason: 'report_failed' })) >= 5,
    );
  });

  it('without a secret, REGISTRY_URL alone reports nothing and says why', async () => {
    const path = await supergraphFile();
    const { logs, send } = await gatewayReportingTo(registry.url, {
      SUPERGRAPH_PATH: path,
      USAGE_REPORTING_SECRET: '',
    });
    expect((await send('{ books { isbn } }')).status).toBe(200);
    expect(logs.some((line) => line.msg.includes('without USAGE_REPORTING_SECRET'))).toBe(true);
  });
});
