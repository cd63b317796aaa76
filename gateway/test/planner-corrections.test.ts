import { mkdtemp, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createGraphQLHandler, createHttpServer, listen } from '@shop/platform/http';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';

// Graphs where Apollo's planner (2.14) makes a plan that is wrong or empty, taken from The Guild's
// federation audit (keys-mashup, non-resolvable-interface-object): what the gateway answers there.

interface SubgraphDefinition {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

const running: { servers: Server[]; gateways: RunningGateway[] } = { servers: [], gateways: [] };

afterAll(async () => {
  for (const gateway of running.gateways) await gateway.stop();
  for (const server of running.servers) server.close();
});

async function serveSubgraph(definition: SubgraphDefinition): Promise<string> {
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const handler = createGraphQLHandler(apollo, { context: async () => ({}), bodyLimitBytes: 1_000_000 });
  const server = createHttpServer({
    logger: createLogger(definition.name, 'silent'),
    metrics: createMetrics(definition.name),
    routes: { 'POST /graphql': handler },
  });
  running.servers.push(server);
  const port = await listen(server, '127.0.0.1', 0);
  return `http://127.0.0.1:${port}/graphql`;
}

async function gatewayOver(subgraphs: SubgraphDefinition[]): Promise<(query: string) => Promise<unknown>> {
  const services = await Promise.all(
    subgraphs.map(async (subgraph) => ({
      name: subgraph.name,
      typeDefs: parse(subgraph.typeDefs),
      url: await serveSubgraph(subgraph),
    })),
  );
  const composition = composeServices(services);
  if (!composition.supergraphSdl) throw new Error(String(composition.errors));
  const path = join(await mkdtemp(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  await writeFile(path, composition.supergraphSdl);
  const gateway = await startGateway(
    loadGatewayConfig({ PORT: '0' }, ['node', 'main.ts', '--supergraph', path]),
    createLogger('gateway', 'silent'),
  );
  running.gateways.push(gateway);
  return async (query) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return response.json();
  };
}

const FEDERATION =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@requires", "@external", "@interfaceObject"])';

describe('a @requires fetch back to a subgraph whose first key is not resolvable', () => {
  const names: Record<string, string> = { '1': 'one' };
  const a: SubgraphDefinition = {
    name: 'a',
    typeDefs: `${FEDERATION}
      type A @key(fields: "id") @key(fields: "pId", resolvable: false) { id: ID! pId: ID! name: String! }`,
    resolvers: {
      A: { __resolveReference: ({ id }: { id: string }) => ({ id, pId: `p${id}`, name: names[id] }) },
    },
  };
  const b: SubgraphDefinition = {
    name: 'b',
    typeDefs: `${FEDERATION}
      type Query { as: [A!]! }
      type A @key(fields: "pId", resolvable: false) @key(fields: "id pId") {
        id: ID! pId: ID! name: String! @external nameInB: String! @requires(fields: "name")
      }`,
    resolvers: {
      Query: { as: () => [{ id: '1', pId: 'p1' }] },
      A: {
        // Only the resolvable key finds the entity: a representation keyed by pId alone is not one.
        __resolveReference: (reference: { id?: string; pId: string; name: string }) =>
          reference.id ? reference : null,
        nameInB: ({ name }: { name: string }) => `b sees ${name}`,
      },
    },
  };

  it('uses the resolvable key', async () => {
    const query = await gatewayOver([a, b]);
    expect(await query('{ as { id name nameInB } }')).toEqual({
      data: { as: [{ id: '1', name: 'one', nameInB: 'b sees one' }] },
    });
  });
});

describe('a field no subgraph can resolve (an @interfaceObject that is not resolvable)', () => {
  // An interface with no implementation in the supergraph: the planner finds no way to `field`.
  const a: SubgraphDefinition = {
    name: 'a',
    typeDefs: `${FEDERATION}
      interface Node @key(fields: "id") { id: ID! }
      type Query { a: Node }`,
    resolvers: { Query: { a: () => ({ __typename: 'Node', id: 'n1' }) } },
  };
  const b: SubgraphDefinition = {
    name: 'b',
    typeDefs: `${FEDERATION}
      type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! field: String }
      type Query { b: Node }`,
    resolvers: { Query: { b: () => ({ id: 'n1' }) }, Node: { field: () => 'foo' } },
  };

  it('is an error, not a null the subgraphs never said', async () => {
    const query = await gatewayOver([a, b]);
    expect(await query('{ a { field } }')).toEqual({
      data: null,
      errors: [
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'OPERATION_RESOLUTION_FAILURE' }),
        }),
      ],
    });
    expect(await query('{ b { id field } }')).toEqual({ data: { b: { id: 'n1', field: 'foo' } } });
    // Nothing left to fetch is no error: the stock gateway's answer.
    expect(await query('{ a { field @skip(if: true) } }')).toEqual({ data: { a: null } });
  });
});

describe('a client field under the name of a field a @requires needs, with other arguments', () => {
  const comments = [
    { id: 'c1', postId: 'p1', authorId: 'a1' },
    { id: 'c2', postId: 'p1', authorId: 'a1' },
    { id: 'c3', postId: 'p1', authorId: 'a2' },
  ];
  const c: SubgraphDefinition = {
    name: 'c',
    typeDefs: `${FEDERATION}
      type Query { feed: [Post] }
      type Post @key(fields: "id") { id: ID! }
      type Comment @key(fields: "id") { id: ID! authorId: ID }`,
    resolvers: {
      Query: { feed: () => [{ id: 'p1' }] },
      Comment: {
        __resolveReference: ({ id }: { id: string }) => comments.find((comment) => comment.id === id),
      },
    },
  };
  const d: SubgraphDefinition = {
    name: 'd',
    typeDefs: `${FEDERATION}
      type Post @key(fields: "id") {
        id: ID!
        author: Author @requires(fields: "comments(limit: 3) { authorId }")
        comments(limit: Int!): [Comment]
      }
      type Comment @key(fields: "id") { id: ID! authorId: ID @external date: String }
      type Author { id: ID! }`,
    resolvers: {
      Post: {
        // The author of a post is whoever wrote its third comment.
        author: ({ comments: required }: { comments: { authorId: string }[] }) =>
          required.length === 3 ? { id: required[2]?.authorId } : null,
        comments: ({ id }: { id: string }, { limit }: { limit: number }) =>
          comments.filter((comment) => comment.postId === id).slice(0, limit),
      },
      Comment: {
        date: () => {
          throw new Error('no date');
        },
      },
    },
  };
  let query: (query: string) => Promise<unknown>;
  beforeAll(async () => {
    query = await gatewayOver([c, d]);
  });

  it('gets what the client asked for, and the @requires what it needs', async () => {
    const expected = { data: { feed: [{ author: { id: 'a2' }, comments: [{ id: 'c1' }] }] } };
    expect(await query('{ feed { author { id } comments(limit: 1) { id } } }')).toEqual(expected);
    expect(
      await query(`query ($limit: Int = 1) { feed { author { id } ...Foo ...Bar } }
        fragment Foo on Post { comments(limit: $limit) { id } }
        fragment Bar on Post { comments(limit: $limit) { id } }`),
    ).toEqual(expected);
    expect(await query('{ feed { author { id } comments(limit: 3) { id } } }')).toEqual({
      data: { feed: [{ author: { id: 'a2' }, comments: [{ id: 'c1' }, { id: 'c2' }, { id: 'c3' }] }] },
    });
  });

  it("reports a subgraph's error at the client's path", async () => {
    const answer = (await query('{ feed { author { id } comments(limit: 1) { id date } } }')) as {
      errors: { path: unknown[] }[];
    };
    expect(answer.errors.map((error) => error.path)).toEqual([['feed', 0, 'comments', 0, 'date']]);
  });
});
