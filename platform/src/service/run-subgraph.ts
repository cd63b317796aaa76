import type { BaseContext } from '@apollo/server';
import { z } from 'zod';
import { hmacSecretsEnv } from '../auth/gateway-proof';
import { portEnv, postgresUrlEnv, serviceEnv } from '../config';
import { eventBusOptions, eventsEnv } from '../events/config';
import { createLogger } from '../logger';
import { runService } from './run-service';
import { StartupError, type SubgraphDefinition, startSubgraph } from './subgraph-service';

/** The settings every subgraph reads; a subgraph's `config.ts` extends this with its own. */
export function subgraphEnv(defaults: { port: number; database: string }) {
  return {
    ...serviceEnv,
    /** Port to listen on: gateway 4000, accounts 4001 … payments 4006, as each subgraph's `config.ts` says. */
    PORT: portEnv(defaults.port),
    /** The service's own database. */
    DATABASE_URL: postgresUrlEnv(`postgres://postgres@127.0.0.1:5432/${defaults.database}`),
    /**
     * Connections the service's requests may hold open at once (the event relay and consumer
     * have their own, sized by EVENTS_CONCURRENCY). Replicas × this must fit the server's
     * max_connections.
     */
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    /**
     * The secret the gateway signs this subgraph's requests with (its `SUBGRAPH_<NAME>_SECRET`).
     * During a rotation, the new and the old one, comma-separated. `npm start` makes one.
     */
    GATEWAY_SECRET: hmacSecretsEnv,
    ...eventsEnv,
  };
}

export type SubgraphConfig = z.output<z.ZodObject<ReturnType<typeof subgraphEnv>>>;

/** A subgraph's `main`. */
export function runSubgraph<TSchema extends Record<string, unknown>, TContext extends BaseContext>(
  definition: SubgraphDefinition<TSchema, TContext>,
  config: SubgraphConfig,
): Promise<void> {
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  return runService(definition.name, logger, config.SHUTDOWN_GRACE_SECONDS, async () => {
    // In production a subgraph that could answer no one is a mistake, not a safe default.
    if (config.NODE_ENV === 'production' && config.GATEWAY_SECRET.length === 0)
      throw new StartupError('GATEWAY_SECRET is required when NODE_ENV=production');
    return startSubgraph(definition, {
      databaseUrl: config.DATABASE_URL,
      databasePoolMax: config.DATABASE_POOL_MAX,
      host: config.HOST,
      port: config.PORT,
      logger,
      introspection: config.NODE_ENV !== 'production',
      shutdownGraceSeconds: config.SHUTDOWN_GRACE_SECONDS,
      processMetrics: true,
      gatewaySecrets: config.GATEWAY_SECRET,
      events: eventBusOptions(config),
    });
  });
}
