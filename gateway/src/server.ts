import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { createErrorFormatter } from '@shop/platform/errors';
import {
  createGraphQLHandler,
  createHttpServer,
  listen,
  operationalRoutes,
  type Routes,
} from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import { createMetrics, type Metrics } from '@shop/platform/metrics';
import { operationMetricsPlugin } from '@shop/platform/operation-metrics';
import { type StartedService, StartupError } from '@shop/platform/service';
import { type GatewayConfig, subgraphUrl } from './config';
import { createGatewayContext, type GatewayContext } from './context';
import { observeSubgraph } from './observability/subgraph-requests';
import { playgroundRoutes } from './playground';
import { SubgraphDataSource } from './subgraph-data-source';
import { readSupergraph } from './supergraph';

export interface RunningGateway extends StartedService {
  url: string;
  metrics: Metrics;
}

/**
 * The gateway: an @apollo/gateway query planner over the supergraph file, served by Apollo
 * Server on the platform's HTTP server. Each concern lives in its own module; this file only
 * puts them together.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  options: { processMetrics?: boolean } = {},
): Promise<RunningGateway> {
  const metrics = createMetrics('gateway', { processMetrics: options.processMetrics ?? false });
  const gateway = new ApolloGateway({
    supergraphSdl: await readSupergraph(config),
    buildService: ({ name, url }) =>
      observeSubgraph(name, metrics, new SubgraphDataSource({ url: subgraphUrl(config, name, url) })),
    logger,
  });

  let stopping = false;
  const routes: Routes = operationalRoutes(metrics, () => [
    {
      name: 'accepting',
      check: async () => {
        if (stopping) throw new Error('shutting down');
      },
    },
  ]);
  const httpServer = createHttpServer({ logger, metrics, routes });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.NODE_ENV !== 'production',
    includeStacktraceInErrorResponses: false,
    // Signals are handled by the service runtime (see platform/service).
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(logger, 'public-code'),
    logger,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: config.SHUTDOWN_GRACE_SECONDS * 1000,
      }),
      operationMetricsPlugin(metrics),
    ],
  });
  try {
    await apollo.start();
  } catch (error) {
    throw new StartupError(
      `cannot serve the supergraph at ${config.SUPERGRAPH_PATH}: ${(error as Error).message}`,
    );
  }
  const graphql = createGraphQLHandler(apollo, {
    context: createGatewayContext,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
  });
  routes['POST /graphql'] = graphql;
  routes['GET /graphql'] = graphql;
  Object.assign(routes, await playgroundRoutes(config, logger));

  let port: number;
  try {
    port = await listen(httpServer, config.HOST, config.PORT);
  } catch (error) {
    await apollo.stop();
    throw new StartupError((error as Error).message);
  }
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info({ url }, `gateway listening on ${url}`);
  return {
    url,
    port,
    metrics,
    async stop() {
      stopping = true;
      await apollo.stop();
    },
  };
}
