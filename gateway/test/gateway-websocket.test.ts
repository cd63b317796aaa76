import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FormattedExecutionResult } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type FederatedTestGraph, startFederatedTestGraph } from './support/federated-test-graph';

/**
 * The gateway's WebSocket end (graphql-transport-ws on /graphql), against a subgraph that serves
 * no WebSocket: what is refused before anything is opened, what a subscription whose subgraph
 * cannot be reached ends with, and that stopping the gateway closes its clients' sockets.
 */
const SHELF = {
  name: 'shelf',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { books: [Book!]! }
    type Subscription { bookAdded: Book! }
    type Book @key(fields: "id") { id: ID! title: String! }
  `,
  resolvers: { Query: { books: () => [{ id: '1', title: 'Dune' }] } },
};

let graph: FederatedTestGraph;
let stopped = false;
beforeAll(async () => {
  graph = await startFederatedTestGraph([SHELF], { MAX_ALIASES: '1' });
});
afterAll(async () => {
  if (!stopped) await graph?.stop();
});

type Outcome =
  | { kind: 'next'; result: FormattedExecutionResult }
  | { kind: 'error'; error: unknown }
  | { kind: 'complete' };

function connect(url = graph.gateway.url) {
  let closedWith: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    closedWith = resolve;
  });
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => closedWith((event as { code: number }).code) },
  });
  const first = (query: string, extensions?: Record<string, unknown>) =>
    new Promise<Outcome>((resolve) => {
      client.subscribe(
        { query, ...(extensions ? { extensions } : {}) },
        {
          next: (result) => resolve({ kind: 'next', result: result as FormattedExecutionResult }),
          error: (error) => resolve({ kind: 'error', error }),
          complete: () => resolve({ kind: 'complete' }),
        },
      );
    });
  return { client, closed, first };
}

const codeOf = (outcome: Outcome) =>
  outcome.kind === 'error' && Array.isArray(outcome.error)
    ? (outcome.error[0] as { extensions?: { code?: string } }).extensions?.code
    : undefined;

describe('the gateway over WebSocket with PERSISTED_OPERATIONS=safelist', () => {
  const BOOK_ADDED = 'subscription BookAdded { bookAdded { id } }';
  const id = createHash('sha256').update(BOOK_ADDED).digest('hex');
  let safelisted: FederatedTestGraph;
  beforeAll(async () => {
    const manifest = join(await mkdtemp(join(tmpdir(), 'manifest-')), 'persisted-operations.json');
    await writeFile(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id, name: 'BookAdded', type: 'subscription', body: BOOK_ADDED }],
      }),
    );
    safelisted = await startFederatedTestGraph([SHELF], {
      PERSISTED_OPERATIONS: 'safelist',
      PERSISTED_OPERATIONS_MANIFEST: manifest,
    });
  });
  afterAll(() => safelisted?.stop());

  it('runs only the manifest’s operations, by text or by id', async () => {
    const { client, first } = connect(safelisted.gateway.url);
    expect(codeOf(await first('subscription { bookAdded { id title } }'))).toBe(
      'PERSISTED_QUERY_NOT_IN_LIST',
    );
    // Let in (then ended: this subgraph serves no WebSocket).
    expect(codeOf(await first(BOOK_ADDED))).toBe('SUBSCRIPTION_ENDED');
    expect(codeOf(await first('', { persistedQuery: { version: 1, sha256Hash: id } }))).toBe(
      'SUBSCRIPTION_ENDED',
    );
    await client.dispose();
  });
});

describe('the gateway over WebSocket', () => {
  it('serves subscriptions only: a query is sent back to HTTP', async () => {
    const { client, first } = connect();
    expect(codeOf(await first('{ books { id } }'))).toBe('BAD_REQUEST');
    await client.dispose();
  });

  it('holds an operation to the limits and validation HTTP does, before anything is opened', async () => {
    const { client, first } = connect();
    expect(codeOf(await first('subscription { bookAdded { a: id b: title } }'))).toBe('MAX_ALIASES_LIMIT');
    expect(codeOf(await first('subscription { bookAdded { id } books { id } }'))).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(codeOf(await first('subscription { bookAdded { id pages } }'))).toBe('GRAPHQL_VALIDATION_FAILED');
    await client.dispose();
  });

  it('ends a subscription whose subgraph cannot be reached over WebSocket with SUBSCRIPTION_ENDED', async () => {
    const { client, first } = connect();
    expect(codeOf(await first('subscription { bookAdded { id } }'))).toBe('SUBSCRIPTION_ENDED');
    await client.dispose();
  });

  it('closes its clients’ sockets when it stops (1001, going away)', async () => {
    const { closed, first } = connect();
    // A subscription in flight: the connection is up.
    void first('subscription { bookAdded { id } }');
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopped = true;
    await graph.stop();
    expect(await closed).toBe(1001);
  });
});

describe('an idle WebSocket connection', () => {
  it('is closed (1000, idle) once it has held no subscription for WEBSOCKET_IDLE_TIMEOUT_SECONDS; a subscription restarts the clock', async () => {
    const idle = await startFederatedTestGraph([SHELF], { WEBSOCKET_IDLE_TIMEOUT_SECONDS: '0.6' });
    try {
      const { closed, first } = connect(idle.gateway.url);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(codeOf(await first('subscription { bookAdded { id } }'))).toBe('SUBSCRIPTION_ENDED');
      const ended = performance.now();
      expect(await closed).toBe(1000);
      // Closed a whole timeout after the subscription ended, not after the connection opened.
      expect(performance.now() - ended).toBeGreaterThanOrEqual(550);
    } finally {
      await idle.stop();
    }
  });
});
