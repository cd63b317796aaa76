import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederatedTestGraph, startFederatedTestGraph } from './support/federated-test-graph';

// A subgraph that fails the way a real one does when its database goes wrong.
const SHELF = {
  name: 'shelf',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { books: [Book!]! broken: String brokenRequest: String }
    type Book @key(fields: "id") { id: ID! title: String! }
  `,
  resolvers: {
    Query: {
      books: () => [{ id: '1', title: 'Dune' }],
      broken: () => {
        throw new Error(
          'relation "books" does not exist: SELECT * FROM books WHERE id = $1 at postgres://shelf@10.0.0.7',
        );
      },
      brokenRequest: () => {
        throw new GraphQLError('Cannot query field "_entities" on type "Query" of http://10.0.0.7:4002', {
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        });
      },
    },
  },
};

let graph: FederatedTestGraph;
beforeAll(async () => {
  graph = await startFederatedTestGraph([SHELF], {
    NODE_ENV: 'production',
    CORS_ORIGINS: 'https://shop.example',
  });
});
afterAll(() => graph?.stop());

/**
 * POSTs a body declared as `declaredBytes` long, sending `sendBytes` of it in 256 KiB pieces a
 * little apart (with a pause halfway: `answerMidway` is what the server had said by then), then
 * reads until the server closes. `failure` is the socket error, if any.
 */
async function sendRaw(declaredBytes: number, sendBytes: number) {
  const { hostname, port } = new URL(graph.gateway.url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let answer = '';
  let failure: Error | null = null;
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1');
  });
  socket.on('error', (error) => {
    failure = error;
  });
  // Not events.once: it would reject on the socket's error, which is an outcome here.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${declaredBytes}\r\n\r\n`,
  );
  const piece = Buffer.alloc(256 * 1024, 'x');
  let sent = 0;
  let answerMidway: string | null = null;
  while (sent < sendBytes && !socket.destroyed && failure === null) {
    socket.write(piece);
    sent += piece.length;
    await sleep(5);
    if (answerMidway === null && sent >= sendBytes / 2) {
      // Halfway, a pause: what has the server said while the body is still coming?
      await sleep(200);
      answerMidway = answer;
    }
  }
  if (sent >= declaredBytes) await closed;
  else socket.end();
  await closed;
  return { answer, answerMidway, failure: failure as Error | null, sent };
}

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(graph.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('in production', () => {
  it('refuses introspection', async () => {
    const { status, body } = await graph.graphql('{ __schema { types { name } } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('gives no "did you mean" suggestions', async () => {
    const { body } = await graph.graphql('{ book { titl } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(body)).not.toMatch(/did you mean|books/i);
  });

  it('masks a subgraph failure: no SQL, no URL, no subgraph name', async () => {
    const { body } = await graph.graphql('{ broken brokenRequest books { title } }');
    expect(body.data).toEqual({ broken: null, brokenRequest: null, books: [{ title: 'Dune' }] });
    expect(body.errors).toEqual([
      { message: 'Internal server error', path: ['broken'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      {
        message: 'Internal server error',
        path: ['brokenRequest'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/SELECT|postgres|10\.0\.0\.7|shelf|serviceName|stacktrace/);
  });

  it('shows no query plan whatever the client asks', async () => {
    const response = await post(JSON.stringify({ query: '{ books { title } }' }), {
      'apollo-query-plan-experimental': '1',
    });
    expect(JSON.stringify(await response.json())).not.toMatch(/queryPlan|shelf/i);
  });
});

describe('the HTTP edge', () => {
  it('refuses a body over the limit with 413, without a subgraph call', async () => {
    const before = graph.totalCalls();
    const response = await post(
      JSON.stringify({ query: `{ books { title } } #${'x'.repeat(3 * 1024 * 1024)}` }),
    );
    expect(response.status).toBe(413);
    expect(graph.totalCalls()).toBe(before);
  });

  it('answers a too-large body once the client has sent it: the client reads the 413, not a reset', async () => {
    // Closing while a client still uploads resets the connection, and the client (fetch among
    // them: "write EPIPE") loses the answer. So the gateway drops the rest first, then answers.
    const { answer, answerMidway, failure } = await sendRaw(3 * 1024 * 1024, 3 * 1024 * 1024);
    expect(answerMidway).toBe('');
    expect(failure).toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/PAYLOAD_TOO_LARGE/);
  });

  it('cuts off a client that keeps sending far past the limit, without answering it', async () => {
    const { answer, sent } = await sendRaw(64 * 1024 * 1024, 24 * 1024 * 1024);
    expect(answer).toBe('');
    expect(sent).toBeLessThan(24 * 1024 * 1024);
  });

  it('refuses a batch of operations', async () => {
    const before = graph.totalCalls();
    const batch = JSON.stringify(Array.from({ length: 1000 }, () => ({ query: '{ books { title } }' })));
    const response = await post(batch);
    expect(response.status).toBe(400);
    expect(graph.totalCalls()).toBe(before);
  });

  it('refuses a mutation over GET and a text/plain POST (CSRF)', async () => {
    const before = graph.totalCalls();
    const get = await fetch(`${graph.gateway.url}?query=${encodeURIComponent('{ books { title } }')}`);
    expect(get.status).toBe(400);
    expect(JSON.stringify(await get.json())).toMatch(/CSRF/);
    const plain = await fetch(graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ books { title } }' }),
    });
    expect(plain.status).toBe(400);
    expect(graph.totalCalls()).toBe(before);
  });

  it('answers a preflight from an allowed origin, and refuses one from any other', async () => {
    const allowed = await fetch(graph.gateway.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await fetch(graph.gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin read answers, and no other', async () => {
    const allowed = await post(JSON.stringify({ query: '{ books { title } }' }), {
      origin: 'https://shop.example',
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const other = await post(JSON.stringify({ query: '{ books { title } }' }), {
      origin: 'https://evil.example',
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
