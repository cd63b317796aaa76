import { createServer, type Server } from 'node:http';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { SubgraphUnavailableError } from '../src/fetcher/subgraph-fetcher';
import { SubgraphFetchers } from '../src/fetcher/subgraph-fetchers';

let server: Server | null = null;
let fetchers: SubgraphFetchers | null = null;
afterEach(async () => {
  await fetchers?.close();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
  fetchers = null;
});

describe('connections to a subgraph', () => {
  it("are kept alive between requests when the server's keep-alive is Node's default 5 s", async () => {
    // A plain Node server, as most subgraphs are: it answers with `Keep-Alive: timeout=5`.
    let connections = 0;
    const started = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":{"ok":true}}');
      });
    });
    let closed = 0;
    started.on('connection', (socket) => {
      connections++;
      socket.on('close', () => closed++);
    });
    server = started;
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(started.address() as { port: number }).port}/graphql`;
    const config = loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent' }, ['node', 'main.ts']);
    fetchers = new SubgraphFetchers(config, createLogger('gateway', 'silent'), createMetrics('gateway'));
    const fetcher = fetchers.for('plain', url);

    for (let request = 0; request < 10; request++) {
      const answer = await fetcher.send(new URL(url), {
        body: `{"query":"{ ok }","n":${request}}`,
        headers: { 'content-type': 'application/json' },
        idempotent: true,
      });
      expect(JSON.parse(answer.body)).toEqual({ data: { ok: true } });
    }

    // The pool may open a second connection while the first finishes; none is closed.
    expect(closed).toBe(0);
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('are not opened once the gateway has stopped: a late fetch says so, and the subgraph is not asked', async () => {
    let requests = 0;
    const started = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => res.end('{"data":{"ok":true}}'));
    });
    server = started;
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(started.address() as { port: number }).port}/graphql`;
    const config = loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent' }, ['node', 'main.ts']);
    const stopped = new SubgraphFetchers(config, createLogger('gateway', 'silent'), createMetrics('gateway'));
    const fetcher = stopped.for('plain', url);
    await stopped.close();

    // What an execution still running after the drain (its client gone) meets at its next fetch.
    const late = fetcher.send(new URL(url), { body: '{"query":"{ ok }"}', headers: {}, idempotent: true });
    await expect(late).rejects.toBeInstanceOf(SubgraphUnavailableError);
    await expect(late).rejects.toMatchObject({ subgraph: 'plain', reason: 'stopped' });
    expect(requests).toBe(0);
  });
});
