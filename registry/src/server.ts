import { fileURLToPath } from 'node:url';
import { applyMigrations, connectDatabase, describeConnectionError } from '@shop/platform/db';
import { createHttpServer, listen, operationalRoutes } from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import { createMetrics, type Metrics } from '@shop/platform/metrics';
import { type StartedService, StartupError } from '@shop/platform/service';
import type { RegistryConfig } from './config';
import { tables } from './db/schema';
import { pruneUsage } from './domain/usage';
import { registryRoutes } from './http/api';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
const PRUNE_EVERY_MS = 3_600_000;

export interface RunningRegistry extends StartedService {
  url: string;
  metrics: Metrics;
  database: ReturnType<typeof connectDatabase<typeof tables>>;
}

/** The registry: its database (migrated at start), the HTTP API, and an hourly pruning of old usage. */
export async function startRegistry(
  config: RegistryConfig,
  logger: Logger,
  options: { processMetrics?: boolean } = {},
): Promise<RunningRegistry> {
  const metrics = createMetrics('registry', { processMetrics: options.processMetrics ?? false });
  const database = connectDatabase({
    url: config.DATABASE_URL,
    schema: tables,
    metrics,
    maxConnections: config.DATABASE_POOL_MAX,
    // Only built-in types (text[]): and a restarting database must not raise an unhandled rejection.
    fetchTypes: false,
  });
  try {
    await database.ping();
    await applyMigrations(database.sql, MIGRATIONS_FOLDER);
  } catch (error) {
    await database.close();
    throw new StartupError(describeConnectionError(error, database.displayUrl));
  }
  let stopping = false;
  const routes = {
    ...registryRoutes(database.db, config, logger),
    ...operationalRoutes(metrics, () => [
      {
        name: 'accepting',
        check: async () => {
          if (stopping) throw new Error('shutting down');
        },
      },
      { name: 'database', check: () => database.ping() },
    ]),
  };
  const httpServer = createHttpServer({ logger, metrics, routes });
  const prune = () =>
    pruneUsage(database.db, config.USAGE_RETENTION_DAYS).then(
      (deleted) => deleted > 0 && logger.info({ deleted }, 'pruned hourly usage past its retention'),
      (error: unknown) => logger.warn({ err: error }, 'pruning old usage failed; trying again in an hour'),
    );
  void prune();
  const pruning = setInterval(prune, PRUNE_EVERY_MS);
  pruning.unref();

  let port: number;
  try {
    port = await listen(httpServer, config.HOST, config.PORT);
  } catch (error) {
    clearInterval(pruning);
    await database.close();
    throw new StartupError((error as Error).message);
  }
  const url = `http://${config.HOST}:${port}`;
  logger.info({ url }, `registry listening on ${url}`);
  if (config.REGISTRY_ADMIN_TOKEN === '')
    logger.warn('REGISTRY_ADMIN_TOKEN is not set: no token can be created, so nothing can be published');
  if (config.USAGE_SECRET.length === 0)
    logger.warn('USAGE_SECRET is not set: usage reports from gateways are refused');
  return {
    url,
    port,
    metrics,
    database,
    async stop() {
      stopping = true;
      clearInterval(pruning);
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      await database.close();
    },
  };
}
