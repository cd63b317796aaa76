import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type Caller, SeenNonces, verifyGatewayRequest } from '@shop/platform/auth';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { subgraphClient } from '../src/fetcher/subgraph-client';
import { SubgraphFetchers } from '../src/fetcher/subgraph-fetchers';
import type { CacheHint, SubgraphCall, SubgraphService } from '../src/fetcher/subgraph-service';

const SECRET = 'a-subgraph-secret-of-at-least-32-characters';
const ALICE: Caller = { userId: 'u-alice', role: 'CUSTOMER', scopes: ['orders:read'] };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server | null = null;
let fetchers: SubgraphFetchers | null = null;
afterEach(async () => {
  await fetchers?.close();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
  fetchers = null;
});

/** A subgraph that answers every request with `status`, `headers` and `body`, and remembers what it got. */
async function subgraphAnswering(status: number, headers: Record<string, string>, body: string) {
  const received: Received[] = [];
  const started = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: text });
      res.writeHead(status, headers);
      res.end(body);
    });
  });
  server = started;
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(started.address() as { port: number }).port}/graphql`;
  const config = loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent', SUBGRAPH_RETRIES: '0' }, [
    'node',
    'main.ts',
  ]);
  fetchers = new SubgraphFetchers(config, createLogger('gateway', 'silent'), createMetrics('gateway'));
  const client: SubgraphService = subgraphClient({
    name: 'products',
    url,
    secret: SECRET,
    fetcher: fetchers.for('products', url),
  });
  return { client, received, url };
}

function callFor(caller: Caller | null) {
  const hints: CacheHint[] = [];
  const call: SubgraphCall = {
    requestId: 'req-1',
    caller,
    clientAddress: '203.0.113.7',
    operationName: 'ProductPage',
    cachePolicy: { restrict: (hint) => hints.push(hint) },
  };
  return { call, hints };
}

const REQUEST = {
  query: 'query ProductPage__products__0{product(id:"p1"){name}}',
  operationName: 'ProductPage__products__0',
  variables: {},
  idempotent: true,
};

describe('the HTTP client of a subgraph', () => {
  it('posts the operation as JSON with the request id and a proof the subgraph verifies as the caller', async () => {
    const { client, received } = await subgraphAnswering(
      200,
      { 'content-type': 'application/json', 'cache-control': 'max-age=30, public' },
      '{"data":{"product":{"name":"Whisk"}}}',
    );
    const { call, hints } = callFor(ALICE);

    const answer = await client.send(REQUEST, call);

    expect(answer).toEqual({ data: { product: { name: 'Whisk' } } });
    const [request] = received;
    expect(JSON.parse(request?.body ?? '')).toEqual({
      query: REQUEST.query,
      variables: {},
      operationName: REQUEST.operationName,
    });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-request-id']).toBe('req-1');
    const verified = verifyGatewayRequest(SECRET, {
      method: 'POST',
      path: '/graphql',
      body: request?.body ?? '',
      headers: request?.headers ?? {},
      nonces: new SeenNonces(),
    });
    expect(verified).toEqual({ caller: ALICE, clientAddress: '203.0.113.7' });
    // The subgraph's @cacheControl hint, as its Cache-Control says.
    expect(hints).toEqual([{ maxAge: 30, scope: 'PUBLIC' }]);
  });

  it('reads an answer without Cache-Control as not cacheable', async () => {
    const { client } = await subgraphAnswering(200, { 'content-type': 'application/json' }, '{"data":{}}');
    const { call, hints } = callFor(null);
    await client.send(REQUEST, call);
    expect(hints).toEqual([{ maxAge: 0 }]);
  });

  it('turns an HTTP error into `<status>: <text>` with the response, as the stock gateway does', async () => {
    const { client, url } = await subgraphAnswering(
      500,
      { 'content-type': 'application/json' },
      '{"errors":[{"message":"boom"}]}',
    );
    const failed = client.send(REQUEST, callFor(null).call);
    await expect(failed).rejects.toMatchObject({
      message: '500: HTTP 500',
      extensions: {
        response: { url, status: 500, statusText: 'HTTP 500', body: { errors: [{ message: 'boom' }] } },
      },
    });
  });

  it("reports a refused proof as the gateway's own fault, never as the client's UNAUTHENTICATED", async () => {
    const { client } = await subgraphAnswering(401, { 'content-type': 'text/plain' }, 'no proof');
    await expect(client.send(REQUEST, callFor(null).call)).rejects.toMatchObject({
      message: expect.stringContaining("subgraph products refused the gateway's proof (401)"),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('refuses an answer that is not a JSON object', async () => {
    const { client } = await subgraphAnswering(200, { 'content-type': 'text/html' }, '<html>proxy</html>');
    await expect(client.send(REQUEST, callFor(null).call)).rejects.toThrow(
      'Expected JSON response body, but received: <html>proxy</html>',
    );
  });
});
