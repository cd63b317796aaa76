import type { Server, ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createGraphQLHandler, createHttpServer, listen } from '@shop/platform/http';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { parse } from 'graphql';
import { loadGatewayConfig } from '../../src/config';
import { type RunningGateway, startGateway } from '../../src/server';
import { composeSupergraph, type GraphQLAnswer } from './federated-test-graph';

/**
 * How a test subgraph behaves: answers; accepts requests but never answers; drops the
 * connection of each request it receives; or is gone (refuses connections).
 */
export type SubgraphState = 'up' | 'silent' | 'reset' | 'down';

export interface SwitchableSubgraph {
  name: string;
  url: string;
  /** GraphQL requests that reached it (answered or not). */
  calls(): number;
  /** The operations it answered: query and variables. */
  requests(): { query: string; variables: Record<string, unknown> }[];
  set(state: SubgraphState): Promise<void>;
}

export interface SwitchableGraph {
  gateway: RunningGateway;
  supergraphPath: string;
  subgraph(name: string): SwitchableSubgraph;
  graphql<TData = Record<string, unknown>>(
    query: string,
    options?: { variables?: Record<string, unknown>; headers?: Record<string, string> },
  ): Promise<GraphQLAnswer<TData>>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export interface TestSubgraph {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

/**
 * Subgraphs on real HTTP that a test can silence (they accept and never answer) or take down
 * and bring back on the same port, with the real gateway in front.
 */
export async function startSwitchableGraph(
  definitions: readonly TestSubgraph[],
  env: Record<string, string> = {},
): Promise<SwitchableGraph> {
  const subgraphs = new Map<string, SwitchableSubgraph & { close(): Promise<void> }>();
  for (const definition of definitions) subgraphs.set(definition.name, await serveSubgraph(definition));
  const supergraphPath = await composeSupergraph(
    definitions.map((definition) => ({
      name: definition.name,
      typeDefs: definition.typeDefs,
      url: subgraphs.get(definition.name)?.url ?? '',
    })),
  );
  const config = loadGatewayConfig(
    { PORT: '0', SUPERGRAPH_PATH: supergraphPath, LOG_LEVEL: 'silent', ...env },
    ['node', 'main.ts'],
  );
  const gateway = await startGateway(config, createLogger('gateway', 'silent'));
  return {
    gateway,
    supergraphPath,
    subgraph(name) {
      const subgraph = subgraphs.get(name);
      if (!subgraph) throw new Error(`no subgraph ${name}`);
      return subgraph;
    },
    async graphql(query, options = {}) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify({ query, variables: options.variables }),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as GraphQLAnswer<never>['body'],
      };
    },
    async metrics() {
      return (await fetch(new URL('/metrics', gateway.url))).text();
    },
    async stop() {
      await gateway.stop();
      for (const subgraph of subgraphs.values()) await subgraph.close();
    },
  };
}

async function serveSubgraph(
  definition: TestSubgraph,
): Promise<SwitchableSubgraph & { close(): Promise<void> }> {
  const requests: { query: string; variables: Record<string, unknown> }[] = [];
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers }),
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      {
        async requestDidStart({ request }) {
          requests.push({ query: request.query ?? '', variables: request.variables ?? {} });
        },
      },
    ],
  });
  await apollo.start();
  const handler = createGraphQLHandler(apollo, { context: async () => ({}), bodyLimitBytes: 1_000_000 });
  let state: SubgraphState = 'up';
  let calls = 0;
  const waiting = new Set<ServerResponse>();
  const makeServer = () =>
    createHttpServer({
      logger: createLogger(definition.name, 'silent'),
      metrics: createMetrics(definition.name),
      routes: {
        'POST /graphql': (req, res) => {
          calls += 1;
          // Accepted, and never answered.
          if (state === 'silent') {
            waiting.add(res);
            return;
          }
          if (state === 'reset') {
            req.socket.destroy();
            return;
          }
          return handler(req, res);
        },
      },
    });
  let server: Server = makeServer();
  const port = await listen(server, '127.0.0.1', 0);
  const close = async () => {
    for (const res of waiting) res.destroy();
    waiting.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    name: definition.name,
    url: `http://127.0.0.1:${port}/graphql`,
    calls: () => calls,
    requests: () => [...requests],
    async set(next) {
      if (next === state) return;
      if (next === 'down') await close();
      if (state === 'down') {
        server = makeServer();
        await listen(server, '127.0.0.1', port);
      }
      if (next === 'up') {
        for (const res of waiting) res.destroy();
        waiting.clear();
      }
      state = next;
    },
    close: async () => {
      if (state !== 'down') await close();
      await apollo.stop();
    },
  };
}
