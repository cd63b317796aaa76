import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createLogger } from '@shop/platform/logger';
import { type FormattedExecutionResult, type GraphQLFormattedError, parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { useServer as serveGraphQLOverWebSocket } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';
import { composeSupergraph } from './support/federated-test-graph';

/**
 * A supergraph reloaded under running subscriptions: each keeps the plan it started with, those
 * the new supergraph cannot serve (a field they use is gone) end with SUBSCRIPTION_ENDED naming
 * the reload, and new subscriptions are judged and planned on the new supergraph.
 */
type Isbn = 'public' | 'protected' | 'gone';
const shelfTypeDefs = (isbn: Isbn) => `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated"])
  type Query { books: [Book!]! }
  type Subscription { bookAdded: Book! }
  type Book @key(fields: "id") {
    id: ID!
    title: String!
    ${{ public: 'isbn: String!', protected: 'isbn: String! @authenticated', gone: '' }[isbn]}
  }
`;

let shelf: Server;
let shelfUrl: string;
let gateway: RunningGateway;
let supergraphPath: string;

beforeAll(async () => {
  shelf = createServer();
  const webSockets = new WebSocketServer({ server: shelf, path: '/graphql' });
  // The subgraph keeps serving isbn: only the supergraph the gateway serves changes.
  const schema = buildSubgraphSchema({
    typeDefs: parse(shelfTypeDefs('public')),
    resolvers: {
      Query: { books: () => [] },
      Subscription: {
        bookAdded: {
          subscribe: async function* () {
            for (let index = 1; ; index += 1) {
              yield { bookAdded: { id: String(index), title: `Book ${index}`, isbn: `isbn-${index}` } };
              await sleep(50);
            }
          },
        },
      },
    },
  });
  serveGraphQLOverWebSocket({ schema }, webSockets);
  await new Promise<void>((resolve) => shelf.listen(0, '127.0.0.1', resolve));
  shelfUrl = `http://127.0.0.1:${(shelf.address() as AddressInfo).port}/graphql`;
  supergraphPath = await composeSupergraph([
    { name: 'shelf', typeDefs: shelfTypeDefs('public'), url: shelfUrl },
  ]);
  const config = loadGatewayConfig({ PORT: '0', SUPERGRAPH_PATH: supergraphPath }, ['node', 'main.ts']);
  gateway = await startGateway(config, createLogger('gateway', 'silent'));
});

afterAll(async () => {
  await gateway?.stop();
  shelf?.closeAllConnections();
  shelf?.close();
});

/** One subscription over graphql-ws, read in turn: its results, then how it ended. */
function subscribe(query: string) {
  const results: FormattedExecutionResult[] = [];
  const client = createClient({
    url: gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  const ended = new Promise<{ errors?: readonly GraphQLFormattedError[] }>((resolve) => {
    client.subscribe(
      { query },
      {
        next: (result) => results.push(result as FormattedExecutionResult),
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
        complete: () => resolve({}),
      },
    );
  });
  return { results, ended, dispose: () => client.dispose() };
}

/** Rewrites the supergraph file the gateway watches, composed with `isbn` as given. */
async function serveSupergraph(isbn: Isbn): Promise<void> {
  const composed = composeServices([{ name: 'shelf', typeDefs: parse(shelfTypeDefs(isbn)), url: shelfUrl }]);
  if (!composed.supergraphSdl) throw new Error(String(composed.errors));
  await writeFile(supergraphPath, composed.supergraphSdl);
}

async function upstreamSockets(): Promise<number> {
  const gauge = await gateway.metrics.registry
    .getSingleMetric('gateway_subgraph_subscription_sockets')
    ?.get();
  return (gauge?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}

describe('subscriptions across a supergraph reload', () => {
  it('ends those the new supergraph cannot serve, keeps the others on their plan, and plans new ones on it', async () => {
    const titles = subscribe('subscription Titles { bookAdded { id title } }');
    const isbns = subscribe('subscription Isbns { bookAdded { id isbn } }');
    await expect
      .poll(() => titles.results.length > 0 && isbns.results.length > 0, { timeout: 10_000 })
      .toBe(true);
    expect(isbns.results[0]).toEqual({ data: { bookAdded: { id: '1', isbn: 'isbn-1' } } });
    expect(await upstreamSockets()).toBe(2);

    await serveSupergraph('gone');

    const ended = await isbns.ended;
    expect(ended.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /reloaded its supergraph.*Cannot query field "isbn" on type "Book".*Subscribe again/,
        ),
        extensions: expect.objectContaining({ code: 'SUBSCRIPTION_ENDED' }),
      }),
    ]);
    await expect.poll(upstreamSockets).toBe(1);

    // The one the new supergraph still serves goes on.
    const seen = titles.results.length;
    await expect.poll(() => titles.results.length).toBeGreaterThan(seen + 1);
    expect(titles.results.at(-1)?.errors).toBeUndefined();

    // New subscriptions meet the new supergraph: isbn is no longer there to ask for.
    const refused = subscribe('subscription { bookAdded { isbn } }');
    expect((await refused.ended).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const again = subscribe('subscription { bookAdded { title } }');
    await expect.poll(() => again.results.length).toBeGreaterThan(0);
    expect(again.results[0]).toEqual({ data: { bookAdded: { title: 'Book 1' } } });

    await Promise.all([titles.dispose(), isbns.dispose(), refused.dispose(), again.dispose()]);
    await expect.poll(upstreamSockets).toBe(0);
  });

  it('ends a subscription whose fields a reload protected, rather than send it one more event under the old rules', async () => {
    await serveSupergraph('public');
    // Anonymous, and isbn is public: events flow (once the gateway serves isbn again).
    await expect
      .poll(async () => (await subscribeAndEnd('subscription { bookAdded { isbn } }'))?.errors, {
        timeout: 10_000,
      })
      .toBeUndefined();
    let isbns = subscribe('subscription { bookAdded { id isbn } }');
    await expect.poll(() => isbns.results.length > 0, { timeout: 10_000 }).toBe(true);
    expect(isbns.results[0]?.errors).toBeUndefined();

    await serveSupergraph('protected');
    const ended = await isbns.ended;
    expect(ended.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/reloaded its supergraph with new access rules/),
        extensions: expect.objectContaining({ code: 'SUBSCRIPTION_ENDED' }),
      }),
    ]);
    // Nothing after the reload reached the client with isbn in it.
    expect(isbns.results.every((result) => result.errors === undefined)).toBe(true);
    await expect.poll(upstreamSockets).toBe(0);

    // Subscribing again meets the new rules: isbn is withheld from an anonymous caller.
    await isbns.dispose();
    isbns = subscribe('subscription { bookAdded { id isbn } }');
    await expect.poll(() => isbns.results.length > 0, { timeout: 10_000 }).toBe(true);
    expect(isbns.results[0]?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await isbns.dispose();
    await expect.poll(upstreamSockets).toBe(0);
  });
});

/** The first thing one subscription gets (a result, or how it ended), then it is stopped. */
async function subscribeAndEnd(query: string) {
  const once = subscribe(query);
  const first = await Promise.race([
    once.ended,
    (async () => {
      while (once.results.length === 0) await sleep(20);
      return once.results[0];
    })(),
  ]);
  await once.dispose();
  return first;
}
