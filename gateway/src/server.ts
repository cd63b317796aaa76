import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { createErrorFormatter } from '@shop/platform/errors';
import {
  clientAddressOf,
  createGraphQLHandler,
  createHttpServer,
  listen,
  operationalRoutes,
  type RouteHandler,
  type Routes,
} from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import { createMetrics, type Metrics } from '@shop/platform/metrics';
import { operationMetricsPlugin } from '@shop/platform/operation-metrics';
import { type StartedService, StartupError } from '@shop/platform/service';
import { createAccessTokenVerifier } from './auth/access-tokens';
import { bearerAuthentication } from './auth/authenticate';
import { noStoreUnlessQuery, servedFromCacheListeners, serveFromCache } from './caching/cached-responses';
import { ResponseCache } from './caching/response-cache';
import { memoryResponseStore, redisResponseStore } from './caching/response-store';
import { type GatewayConfig, subgraphUrl } from './config';
import { type GatewayContext, gatewayContextFactory } from './context';
import { SubgraphFetchers } from './fetcher/subgraph-fetchers';
import { corsPolicy } from './http/cors';
import { hidingSuggestions } from './http/hide-suggestions';
import { incrementalDeliveryPlugin } from './http/incremental-delivery';
import { operationResolutionPlugin } from './http/operation-resolution';
import { guardRequests } from './limits/guard-requests';
import type { GuardedRequest, OperationRejected } from './limits/operation-guard';
import { rejectionCounter } from './limits/rejection-metrics';
import { knownOperationNames } from './observability/known-operations';
import { startMetricsServer } from './observability/metrics-server';
import { setUpPersistedOperations } from './persisted-operations';
import { PLANNER_BUSY_CODE, PLANNING_LIMIT_CODES } from './planning/plan-refused';
import { PlannerPool } from './planning/planner-pool';
import { playgroundRoutes } from './playground';
import { isEventStreamRequest, serveEventStreams } from './subscriptions/event-stream-server';
import type { AdmissionRules } from './subscriptions/operation-admission';
import { SubscriptionRunner } from './subscriptions/subscription-runner';
import { serveGatewaySubscriptions } from './subscriptions/websocket-server';
import { SupergraphDelivery } from './supergraph/delivery';
import { createSecuredGateway } from './supergraph/secured-gateway';
import { secureSupergraph } from './supergraph/secured-supergraph';
import { usageReporting } from './usage';

export interface RunningGateway extends StartedService {
  url: string;
  metrics: Metrics;
  /** Where Prometheus scrapes: on METRICS_PORT when set, else `/metrics` on the public port. */
  metricsUrl: string;
}

/**
 * The gateway: an @apollo/gateway query planner over the supergraph file, with the supergraph's
 * `@authenticated`/`@requiresScopes` enforced, operation limits in front, access tokens verified,
 * served by Apollo Server on the platform's HTTP server. Each concern lives in its own module;
 * this file only puts them together.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  options: { processMetrics?: boolean } = {},
): Promise<RunningGateway> {
  const production = config.NODE_ENV === 'production';
  const metrics = createMetrics('gateway', { processMetrics: options.processMetrics ?? false });
  const rejections = rejectionCounter(metrics);
  // Every version of the supergraph (at start, and each reload) is secured before it is served.
  const supergraph = await SupergraphDelivery.open(config, logger, (sdl) => secureSupergraph(sdl, config));
  const fetchers = new SubgraphFetchers(config, logger, metrics);
  const planner = new PlannerPool(
    {
      workers: config.QUERY_PLANNER_THREADS,
      queueLength: config.QUERY_PLANNER_QUEUE,
      maxPlanningMs: config.MAX_PLANNING_TIME_MS,
      maxPlanBytes: config.MAX_PLAN_BYTES,
      validateSupergraph: config.NODE_ENV !== 'production',
    },
    logger,
    metrics,
  );
  const gateway = createSecuredGateway(supergraph, config, logger, metrics, fetchers, planner);
  const persistedOperations = await setUpPersistedOperations(config, logger);
  const usage = usageReporting(config, logger, metrics);
  const composedAccountsUrl = supergraph.current.subgraphUrls.get('accounts');
  const accountsUrl = composedAccountsUrl ? subgraphUrl(config, 'accounts', composedAccountsUrl) : null;
  const jwksUrl =
    config.JWKS_URL ?? (accountsUrl ? new URL('/.well-known/jwks.json', accountsUrl).href : null);
  if (!jwksUrl) logger.warn('no JWKS_URL and no accounts subgraph: every bearer token will be refused');
  const verifyAccessToken = createAccessTokenVerifier(
    {
      jwksUrl,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      refetchCooldownMs: config.JWKS_REFETCH_COOLDOWN_SECONDS * 1000,
      maxAgeMs: config.JWKS_CACHE_MAX_AGE_SECONDS * 1000,
    },
    logger,
    metrics,
  );

  let stopping = false;
  const routes: Routes = operationalRoutes(metrics, () => [
    {
      name: 'accepting',
      check: async () => {
        if (stopping) throw new Error('shutting down');
      },
    },
  ]);
  const metricsRoute = routes['GET /metrics'];
  if (config.METRICS_PORT !== undefined) delete routes['GET /metrics'];
  const httpServer = createHttpServer({
    logger,
    metrics,
    routes,
    trustedProxyHops: config.TRUSTED_PROXY_HOPS,
  });
  const responseCache = config.RESPONSE_CACHE
    ? new ResponseCache(
        config.REDIS_URL
          ? redisResponseStore(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger)
          : memoryResponseStore(config.RESPONSE_CACHE_MAX_BYTES),
        config.RESPONSE_CACHE_MAX_AGE_SECONDS,
        metrics,
      )
    : null;
  const formatError = hidingSuggestions(
    production,
    createErrorFormatter(logger, 'public-code', new Set([...PLANNING_LIMIT_CODES, PLANNER_BUSY_CODE])),
  );
  // One guard for every transport: HTTP and WebSocket operations meet the same limits.
  const guard = (request: GuardedRequest) => supergraph.current.guard(request);
  const onRejected = (rejection: OperationRejected) => {
    rejections.inc({ reason: String(rejection.extensions.code) });
    logger.info({ code: rejection.extensions.code }, `operation refused: ${rejection.message}`);
  };
  const persistedQuery = (sha256Hash: string) => persistedOperations.cache.get(sha256Hash);
  const plugins = [
    ...persistedOperations.plugins,
    operationResolutionPlugin(),
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginDrainHttpServer({
      httpServer,
      stopGracePeriodMillis: config.SHUTDOWN_GRACE_SECONDS * 1000,
    }),
    operationMetricsPlugin(metrics, { knownOperations: await knownOperationNames(config, logger) }),
    ...usage.plugins,
    noStoreUnlessQuery(),
    // Last: the plugins before it see the first part of an answer delivered in parts as a whole one.
    incrementalDeliveryPlugin(formatError),
  ];
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    // No "did you mean …?" in production: suggestions spell out the schema to whoever probes it.
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    // Apollo's defaults, stated: a GET or text/plain POST cannot run an operation without a preflight header.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Manifest operations by id, and automatic persisted queries unless the safelist is on. The
    // guard reads a hash-only request's text from the same cache (see limits/guard-requests).
    persistedQueries: { cache: persistedOperations.cache },
    parseOptions: { maxTokens: config.MAX_TOKENS },
    // Signals are handled by the service runtime (see platform/service).
    stopOnTerminationSignals: false,
    formatError,
    logger,
    plugins,
  });
  // A request's way in order: the response cache, then the operation limits, then Apollo's pipeline.
  const guarded = guardRequests({ guard, onRejected, persistedQuery }, apollo);
  const served = responseCache
    ? serveFromCache(
        { cache: responseCache, version: () => supergraph.current.version },
        servedFromCacheListeners(plugins),
        guarded,
      )
    : guarded;
  try {
    await apollo.start();
  } catch (error) {
    await planner.close();
    throw new StartupError(
      `cannot serve the supergraph at ${supergraph.description}: ${(error as Error).message}`,
    );
  }
  const cors = corsPolicy(config.CORS_ORIGINS);
  const authentication = bearerAuthentication(verifyAccessToken);
  const graphql = cors.wrap(
    authentication.wrap(
      createGraphQLHandler(served, {
        context: gatewayContextFactory(authentication.callerOf),
        bodyLimitBytes: config.BODY_LIMIT_BYTES,
      }),
    ),
  );
  const rules: AdmissionRules = {
    schema: () => gateway.schema,
    guard,
    onRejected,
    mayRun: persistedOperations.mayRun,
    persistedQuery,
    maxTokens: config.MAX_TOKENS,
    maxSubscriptionsPerConnection: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
  };
  // One runner for both transports: a user's subscriptions count together.
  const runner = new SubscriptionRunner({
    subscribe: (requestContext) => gateway.subscribe(requestContext),
    formatError,
    onRejected,
    maxSubscriptionsPerUser: config.MAX_SUBSCRIPTIONS_PER_USER,
  });
  const eventStreams = cors.wrap(
    authentication.wrap(
      serveEventStreams({
        rules,
        runner,
        subscriberOf: (req) => ({
          caller: authentication.callerOf(req),
          expiresAt: authentication.expiryOf(req),
          clientAddress: clientAddressOf(req, config.TRUSTED_PROXY_HOPS),
        }),
        bodyLimitBytes: config.BODY_LIMIT_BYTES,
      }),
    ),
  );
  const graphqlOrEventStream: RouteHandler = (req, res) =>
    isEventStreamRequest(req) ? eventStreams(req, res) : graphql(req, res);
  for (const method of ['POST', 'GET', 'PUT', 'DELETE']) routes[`${method} /graphql`] = graphqlOrEventStream;
  routes['OPTIONS /graphql'] = cors.preflight;
  const subscriptions = serveGatewaySubscriptions({
    httpServer,
    rules,
    runner,
    verifyAccessToken,
    acceptsUpgrade: cors.acceptsUpgrade,
    trustedProxyHops: config.TRUSTED_PROXY_HOPS,
    idleTimeoutMs: config.WEBSOCKET_IDLE_TIMEOUT_SECONDS * 1000,
    logger,
  });
  Object.assign(
    routes,
    await playgroundRoutes(config, logger, () => supergraph.current.plannerSdl, planner, {
      guard: (request) => supergraph.current.guard(request),
      authenticate: authentication.wrap,
      callerOf: authentication.callerOf,
    }),
  );

  let port: number;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  try {
    if (config.METRICS_PORT !== undefined && metricsRoute)
      metricsServer = await startMetricsServer(
        config.HOST,
        config.METRICS_PORT,
        metricsRoute,
        logger,
        metrics,
      );
    port = await listen(httpServer, config.HOST, config.PORT);
  } catch (error) {
    metricsServer?.server.close();
    await subscriptions.close();
    await apollo.stop();
    await planner.close();
    await fetchers.close();
    await responseCache?.close();
    await usage.stop();
    throw new StartupError((error as Error).message);
  }
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info(
    { url, protectedFields: supergraph.current.policy.coordinates().size },
    `gateway listening on ${url}`,
  );
  return {
    url,
    port,
    metrics,
    metricsUrl: metricsServer?.url ?? `http://${config.HOST}:${port}/metrics`,
    async stop() {
      stopping = true;
      metricsServer?.server.close();
      metricsServer?.server.closeAllConnections();
      // Subscriptions have no end of their own to wait for: their clients are told to go away now.
      await subscriptions.close();
      await apollo.stop();
      await planner.close();
      await fetchers.close();
      await responseCache?.close();
      await usage.stop();
    },
  };
}
