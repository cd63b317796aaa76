import { mkdtemp, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGraphQLHandler, createHttpServer, listen } from '@shop/platform/http';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { parse } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';

// Two subgraphs that have nothing to do with the shop: the gateway is a product of its own.
const LIBRARY = {
  name: 'library',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Query { books: [Book!]! }
    type Book @key(fields: "isbn") { isbn: ID! title: String! }
  `),
  resolvers: {
    Query: {
      books: () => [
        { isbn: '978-0', title: 'Dune' },
        { isbn: '978-1', title: 'Emma' },
      ],
    },
  },
};
const LOANS = {
  name: 'loans',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Book @key(fields: "isbn") { isbn: ID! onLoan: Boolean! }
  `),
  resolvers: { Book: { onLoan: (book: { isbn: string }) => book.isbn === '978-1' } },
};

const servers: Server[] = [];
let gateway: RunningGateway;

async function serveSubgraph(definition: typeof LIBRARY | typeof LOANS): Promise<number> {
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema(definition),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const handler = createGraphQLHandler(apollo, { context: async () => ({}), bodyLimitBytes: 1_000_000 });
  const logger = createLogger(definition.name, 'silent');
  const server = createHttpServer({
    logger,
    metrics: createMetrics(definition.name),
    routes: { 'POST /graphql': handler },
  });
  servers.push(server);
  return listen(server, '127.0.0.1', 0);
}

beforeAll(async () => {
  const libraryPort = await serveSubgraph(LIBRARY);
  const loansPort = await serveSubgraph(LOANS);
  // The composed URL of "loans" points nowhere: only the override can make the query work.
  const composition = composeServices([
    { name: LIBRARY.name, typeDefs: LIBRARY.typeDefs, url: `http://127.0.0.1:${libraryPort}/graphql` },
    { name: LOANS.name, typeDefs: LOANS.typeDefs, url: 'http://127.0.0.1:9/graphql' },
  ]);
  if (!composition.supergraphSdl) throw new Error(String(composition.errors));
  const path = join(await mkdtemp(join(tmpdir(), 'supergraph-')), 'library.graphql');
  await writeFile(path, composition.supergraphSdl);
  const config = loadGatewayConfig(
    { PORT: '0', SUBGRAPH_LOANS_URL: `http://127.0.0.1:${loansPort}/graphql` },
    ['node', 'main.ts', '--supergraph', path],
  );
  gateway = await startGateway(config, createLogger('gateway', 'silent'));
});

afterAll(async () => {
  await gateway?.stop();
  for (const server of servers) server.close();
});

it('serves a supergraph that is not the shop, with a subgraph URL overridden by configuration', async () => {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ books { title onLoan } }' }),
  });
  expect(await response.json()).toEqual({
    data: {
      books: [
        { title: 'Dune', onLoan: false },
        { title: 'Emma', onLoan: true },
      ],
    },
  });
});

it('refuses a body larger than the limit with 413 before parsing it', async () => {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ books { title } } #${'x'.repeat(1_100_000)}` }),
  });
  expect(response.status).toBe(413);
  const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
  expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
});
