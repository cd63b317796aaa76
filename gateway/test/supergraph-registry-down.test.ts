import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen } from '@shop/platform/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';
import { capturingLogger, type LibraryGraph, post, startLibraryGraph } from './library-graph';

let graph: LibraryGraph;
let dir: string;
let registry: Server;
let registryUrl: string;
/** What the stand-in registry serves at GET /supergraph: null is an outage (503). */
let served: string | null = null;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  graph = await startLibraryGraph();
  dir = await mkdtemp(join(tmpdir(), 'registry-down-'));
  registry = createServer((_req, res) => {
    if (served === null) {
      res.writeHead(503).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(served);
  });
  registryUrl = `http://127.0.0.1:${await listen(registry, '127.0.0.1', 0)}/supergraph`;
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  registry?.close();
  await graph?.close();
  await rm(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const { logger, lines } = capturingLogger();
  const starting = startGateway(
    loadGatewayConfig({ PORT: '0', SUPERGRAPH_URL: registryUrl, SUPERGRAPH_POLL_SECONDS: '0.1', ...env }, [
      'node',
      'main.ts',
    ]),
    logger,
  ).then((gateway) => {
    gateways.push(gateway);
    return gateway;
  });
  return { starting, lines };
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function servesLoans(url: string): Promise<boolean> {
  const { body } = await post(url, { query: '{ books { isbn onLoan } }' });
  return body.errors === undefined && Array.isArray(body.data?.books);
}

describe('a gateway whose registry is down', () => {
  it('at start waits with a clear log line, and starts once the registry answers', async () => {
    served = null;
    const { starting, lines } = start({});
    let started = false;
    void starting.then(() => {
      started = true;
    });
    await waitFor('the waiting line', () =>
      lines.some((line) => line.msg.startsWith('waiting for the supergraph')),
    );
    expect(started).toBe(false);
    served = graph.withLoans;
    const gateway = await starting;
    expect(lines.some((line) => line.msg === 'the supergraph can be read: starting')).toBe(true);
    expect(await servesLoans(gateway.url)).toBe(true);
  });

  it("starts from SUPERGRAPH_FALLBACK_PATH when configured, then takes the registry's version", async () => {
    served = null;
    const fallback = join(dir, 'fallback.graphql');
    await writeFile(fallback, graph.libraryOnly);
    const { starting, lines } = start({ SUPERGRAPH_FALLBACK_PATH: fallback });
    const gateway = await starting;
    expect(lines.some((line) => line.msg.includes('starting from SUPERGRAPH_FALLBACK_PATH'))).toBe(true);
    // The fallback has no loans subgraph.
    expect(await servesLoans(gateway.url)).toBe(false);
    expect((await post(gateway.url, { query: '{ books { title } }' })).body.errors).toBeUndefined();
    served = graph.withLoans;
    await waitFor("the registry's supergraph", () => servesLoans(gateway.url));
  });

  it('later keeps serving the last good supergraph, every request answered', async () => {
    served = graph.withLoans;
    const { starting, lines } = start({});
    const gateway = await starting;
    served = null;
    await waitFor('a failed poll', () =>
      lines.some((line) => line.msg.startsWith('cannot read the supergraph')),
    );
    for (let i = 0; i < 20; i++) expect(await servesLoans(gateway.url)).toBe(true);
    served = graph.withLoans;
    await waitFor('the registry back', () =>
      lines.some((line) => line.msg === 'the supergraph can be read again'),
    );
  });
});
