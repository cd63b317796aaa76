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
import { createLogger, type Logger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { parse } from 'graphql';
import { loadGatewayConfig } from '../../src/config';
import { type RunningGateway, startGateway } from '../../src/server';

export interface TestSubgraphDefinition {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export interface GraphQLAnswer<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

/** Subgraphs served over HTTP, composed into a supergraph file, and the real gateway in front of them. */
export interface FederatedTestGraph {
  gateway: RunningGateway;
  supergraphPath: string;
  /** GraphQL requests each subgraph received so far. */
  calls(subgraph: string): number;
  totalCalls(): number;
  graphql<TData = Record<string, unknown>>(
    query: string,
    options?: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLAnswer<TData>>;
  stop(): Promise<void>;
}

export async function composeSupergraph(
  subgraphs: readonly { name: string; typeDefs: string; url: string }[],
): Promise<string> {
  const composition = composeServices(
    subgraphs.map(({ name, typeDefs, url }) => ({ name, typeDefs: parse(typeDefs), url })),
  );
  if (!composition.supergraphSdl) throw new Error(composition.errors?.map(String).join('\n'));
  const path = join(await mkdtemp(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  await writeFile(path, composition.supergraphSdl);
  return path;
}

export async function startFederatedTestGraph(
  definitions: readonly TestSubgraphDefinition[],
  env: Record<string, string> = {},
  logger: Logger = createLogger('gateway', 'silent'),
): Promise<FederatedTestGraph> {
  const servers: Server[] = [];
  const counts = new Map<string, number>();
  const subgraphs: { name: string; typeDefs: string; url: string }[] = [];
  for (const definition of definitions) {
    const apollo = new ApolloServer({
      schema: buildSubgraphSchema({ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers }),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    await apollo.start();
    const handler = createGraphQLHandler(apollo, { context: async () => ({}), bodyLimitBytes: 1_000_000 });
    counts.set(definition.name, 0);
    const server = createHttpServer({
      logger: createLogger(definition.name, 'silent'),
      metrics: createMetrics(definition.name),
      routes: {
        'POST /graphql': (req, res) => {
          counts.set(definition.name, (counts.get(definition.name) ?? 0) + 1);
          return handler(req, res);
        },
      },
    });
    servers.push(server);
    const port = await listen(server, '127.0.0.1', 0);
    subgraphs.push({
      name: definition.name,
      typeDefs: definition.typeDefs,
      url: `http://127.0.0.1:${port}/graphql`,
    });
  }
  const supergraphPath = await composeSupergraph(subgraphs);
  const config = loadGatewayConfig({ PORT: '0', SUPERGRAPH_PATH: supergraphPath, ...env }, [
    'node',
    'main.ts',
  ]);
  const gateway = await startGateway(config, logger);
  return {
    gateway,
    supergraphPath,
    calls: (subgraph) => counts.get(subgraph) ?? 0,
    totalCalls: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
    async graphql(query, options = {}) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: options.variables }),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as GraphQLAnswer<never>['body'],
      };
    },
    async stop() {
      await gateway.stop();
      for (const server of servers) server.close();
    },
  };
}
