import { ApolloServer, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode } from 'graphql';
import { Gauge } from 'prom-client';
import type { Caller } from '../auth/caller';
import { GatewayProofError, type VerifiedGatewayRequest, verifyGatewayRequest } from '../auth/gateway-proof';
import { SeenNonces } from '../auth/seen-nonces';
import { redactUrlPassword } from '../config';
import { ChangeNotifications } from '../db/change-notifications';
import { connectDatabase, type Database, describeConnectionError } from '../db/database';
import { applyMigrations } from '../db/migrate';
import { createErrorFormatter } from '../errors';
import {
  type EventBusOptions,
  type RunningEvents,
  type ServiceEvents,
  startServiceEvents,
} from '../events/runtime';
import type { BackgroundLoop } from '../events/wake-up';
import { createGraphQLHandler, type ReceivedRequest } from '../http/graphql-handler';
import { operationalRoutes } from '../http/operational-routes';
import { HttpError } from '../http/respond';
import { createHttpServer, listen, type Routes } from '../http/server';
import { refuseControlCharacters } from '../input-text';
import type { Logger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { operationMetricsPlugin } from './operation-metrics-plugin';
import {
  SUBSCRIPTION_PROOF_REQUEST,
  type SubscriptionServer,
  serveSubscriptions,
} from './subscription-server';

type TableSchema = Record<string, unknown>;

// `buildSubgraphSchema` takes resolvers as a loose map; each subgraph's are typed by codegen.
// biome-ignore lint/suspicious/noExplicitAny: the shape @apollo/subgraph accepts
type ResolverMap = Record<string, any>;

/** What a subgraph gives its resolvers for one request, before adding its own loaders. */
export interface RequestScope<TSchema extends TableSchema> {
  db: Database<TSchema>;
  /** Who is calling, as the gateway proved it; null for anonymous requests. */
  caller: Caller | null;
  /** The client's address as the gateway saw it; null when unknown. */
  clientAddress: string | null;
  logger: Logger;
  /** Changes committed by any replica of this service (LISTEN/NOTIFY): what subscriptions follow. */
  changes: ChangeNotifications;
}

/**
 * A loop a subgraph runs for as long as it serves (orders' checkout deadline), on its request
 * pool: started once its events run, stopped before they stop. Every replica runs it.
 */
export type BackgroundWork<TSchema extends TableSchema> = (scope: {
  db: Database<TSchema>;
  logger: Logger;
}) => BackgroundLoop;

/** Everything that makes one domain service: the platform turns it into a running subgraph. */
export interface SubgraphDefinition<TSchema extends TableSchema, TContext extends BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: ResolverMap;
  tables: TSchema;
  /** drizzle-kit output folder with the committed SQL migrations. */
  migrationsFolder: string;
  /** Builds the per-request context: the place to create this request's DataLoaders. */
  createContext(scope: RequestScope<TSchema>): TContext;
  /** HTTP routes beside `/graphql` (accounts' JWKS); like `/health`, they are open to anyone. */
  routes?: Routes;
  /** What it publishes and consumes (`src/events.ts`); the runtime runs its outbox relay and consumer. */
  events?: ServiceEvents<TSchema>;
  /** Loops beside requests and events (see BackgroundWork). */
  background?: readonly BackgroundWork<TSchema>[];
}

export interface SubgraphOptions {
  databaseUrl: string;
  /** The most connections its request pool opens (10 when not given). */
  databasePoolMax?: number;
  host: string;
  port: number;
  logger: Logger;
  introspection: boolean;
  shutdownGraceSeconds: number;
  bodyLimitBytes?: number;
  /** Prometheus process metrics (CPU, memory, GC); off in tests where several services share a process. */
  processMetrics?: boolean;
  /**
   * The secrets the gateway signs this subgraph's requests with (`GATEWAY_SECRET`; two during a
   * rotation). A GraphQL request without a valid proof is refused; with none, every one is.
   */
  gatewaySecrets: readonly string[];
  /** The event bus; required when the definition publishes or consumes events. */
  events?: EventBusOptions;
}

export interface RunningSubgraph<TSchema extends TableSchema, TContext extends BaseContext> {
  url: string;
  port: number;
  apollo: ApolloServer<TContext>;
  database: ReturnType<typeof connectDatabase<TSchema>>;
  metrics: Metrics;
  /** Its outbox relay and consumer, when it has events. */
  events: RunningEvents | null;
  changes: ChangeNotifications;
  /** Its graphql-ws server on `/graphql`, when its schema has a Subscription type. */
  subscriptions: SubscriptionServer | null;
  /** The context a request from `caller` would get; for tests that call `apollo.executeOperation`. */
  contextFor(caller: Caller | null, clientAddress?: string | null): TContext;
  stop(): Promise<void>;
}

/** A failure at start-up that one log line explains; the process should exit after logging it. */
export class StartupError extends Error {}

export async function startSubgraph<TSchema extends TableSchema, TContext extends BaseContext>(
  definition: SubgraphDefinition<TSchema, TContext>,
  options: SubgraphOptions,
): Promise<RunningSubgraph<TSchema, TContext>> {
  const { logger } = options;
  const metrics = createMetrics(definition.name, { processMetrics: options.processMetrics ?? false });
  const database = connectDatabase({
    url: options.databaseUrl,
    schema: definition.tables,
    metrics,
    maxConnections: options.databasePoolMax,
  });
  try {
    await database.ping();
    await applyMigrations(database.sql, definition.migrationsFolder);
  } catch (error) {
    await database.close();
    throw new StartupError(describeConnectionError(error, database.displayUrl));
  }
  let events: RunningEvents | null = null;
  try {
    events = await startEvents(definition, options, metrics);
  } catch (error) {
    await database.close();
    throw error;
  }

  const background = (definition.background ?? []).map((start) => start({ db: database.db, logger }));
  const stopBackground = () => Promise.all(background.map((loop) => loop.stop()));
  const changes = new ChangeNotifications(database.sql, logger);
  // An ended subscription must let go of its listener: visible where Prometheus and the leak tests look.
  new Gauge({
    name: 'db_change_listeners',
    help: 'Listeners of Postgres change notifications in this process (about one per running subscription).',
    registers: [metrics.registry],
    collect() {
      this.set(changes.listenerCount());
    },
  });
  const contextFor = (caller: Caller | null, clientAddress: string | null = null) =>
    definition.createContext({ db: database.db, caller, clientAddress, logger, changes });
  const nonces = new SeenNonces();
  const identifyCaller = (received: ReceivedRequest) => {
    try {
      return verifyGatewayRequest(options.gatewaySecrets, {
        method: received.method,
        path: received.target,
        body: received.body,
        headers: received.headers,
        nonces,
      });
    } catch (error) {
      if (!(error instanceof GatewayProofError)) throw error;
      logger.warn(
        { status: error.status, reason: error.message },
        'refused a request without a valid gateway proof',
      );
      throw new HttpError(
        error.status,
        error.message,
        error.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      );
    }
  };
  let stopping = false;
  const routes: Routes = {
    ...definition.routes,
    ...operationalRoutes(metrics, () => [
      {
        name: 'accepting',
        check: async () => {
          if (stopping) throw new Error('shutting down');
        },
      },
      { name: 'database', check: () => database.ping() },
      ...(events ? [{ name: 'events', check: () => (events as RunningEvents).ping() }] : []),
    ]),
  };
  const httpServer = createHttpServer({ logger, metrics, routes });
  const schema = refuseControlCharacters(
    buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers }),
  );
  const formatError = createErrorFormatter(logger, 'thrown-here');
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    // Signals are handled by the service runtime, which also closes the database after Apollo stops.
    stopOnTerminationSignals: false,
    formatError,
    logger,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Inline traces feed Apollo Studio, which this system does not use.
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: options.shutdownGraceSeconds * 1000,
      }),
      operationMetricsPlugin(metrics),
    ],
  });
  await apollo.start();
  const graphql = createGraphQLHandler<TContext, VerifiedGatewayRequest>(apollo, {
    // The gateway's proof is checked before anything of the request is parsed.
    admit: identifyCaller,
    context: async (_req, proven) => contextFor(proven?.caller ?? null, proven?.clientAddress ?? null),
    bodyLimitBytes: options.bodyLimitBytes ?? 8 * 1024 * 1024,
  });
  routes['POST /graphql'] = graphql;
  routes['GET /graphql'] = graphql;

  const subscriptions = schema.getSubscriptionType()
    ? serveSubscriptions({
        httpServer,
        schema,
        admit: (headers) => {
          try {
            return verifyGatewayRequest(options.gatewaySecrets, {
              ...SUBSCRIPTION_PROOF_REQUEST,
              headers,
              nonces,
            });
          } catch (error) {
            if (error instanceof GatewayProofError)
              logger.warn(
                { status: error.status, reason: error.message },
                'refused a subscription connection',
              );
            throw error;
          }
        },
        context: (proven) => contextFor(proven.caller, proven.clientAddress),
        formatError,
        logger,
      })
    : null;

  let port: number;
  try {
    port = await listen(httpServer, options.host, options.port);
  } catch (error) {
    await subscriptions?.close();
    await apollo.stop();
    await stopBackground();
    await events?.stop();
    await database.close();
    throw new StartupError((error as Error).message);
  }
  const url = `http://${options.host}:${port}/graphql`;
  logger.info({ url }, `${definition.name} subgraph listening on ${url}`);
  if (options.gatewaySecrets.length === 0)
    logger.warn(
      'GATEWAY_SECRET is not set: every GraphQL request will be refused, as none can prove it comes from the gateway',
    );

  return {
    url,
    port,
    apollo,
    database,
    metrics,
    events,
    changes,
    subscriptions,
    contextFor,
    async stop() {
      stopping = true;
      // Upgraded sockets are not the HTTP server's to drain: subscriptions end first, with a close frame.
      await subscriptions?.close();
      await apollo.stop();
      await stopBackground();
      await events?.stop();
      await database.close();
    },
  };
}

async function startEvents<TSchema extends TableSchema, TContext extends BaseContext>(
  definition: SubgraphDefinition<TSchema, TContext>,
  options: SubgraphOptions,
  metrics: Metrics,
): Promise<RunningEvents | null> {
  const declared = definition.events;
  if (!declared || ((declared.publishes?.length ?? 0) === 0 && (declared.consumes?.length ?? 0) === 0))
    return null;
  if (!options.events)
    throw new StartupError(`${definition.name} publishes or consumes events but has no event bus`);
  try {
    return await startServiceEvents({
      service: definition.name,
      events: declared,
      databaseUrl: options.databaseUrl,
      tables: definition.tables,
      options: options.events,
      metrics: metrics.events,
      logger: options.logger,
    });
  } catch (error) {
    const bus = options.events.bus;
    const where =
      bus.transport === 'nats'
        ? `NATS at ${bus.url} (NATS_URL)`
        : `the events database at ${redactUrlPassword(bus.databaseUrl)} (EVENTS_DATABASE_URL)`;
    throw new StartupError(`cannot start events on ${where}: ${(error as Error).message}`);
  }
}
