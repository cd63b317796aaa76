import type { BaseContext } from '@apollo/server';
import type { z } from 'zod';
import { portEnv, postgresUrlEnv, serviceEnv } from '../config';
import { eventBusOptions, eventsEnv } from '../events/config';
import { createLogger } from '../logger';
import { runService } from './run-service';
import { type SubgraphDefinition, startSubgraph } from './subgraph-service';

/** The settings every subgraph reads; a subgraph's `config.ts` extends this with its own. */
export function subgraphEnv(defaults: { port: number; database: string }) {
  return {
    ...serviceEnv,
    PORT: portEnv(defaults.port),
    DATABASE_URL: postgresUrlEnv(`postgres://postgres@127.0.0.1:5432/${defaults.database}`),
    ...eventsEnv,
  };
}

type SubgraphConfig = z.output<z.ZodObject<ReturnType<typeof subgraphEnv>>>;

/** A subgraph's `main`. */
export function runSubgraph<TSchema extends Record<string, unknown>, TContext extends BaseContext>(
  definition: SubgraphDefinition<TSchema, TContext>,
  config: SubgraphConfig,
): Promise<void> {
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  return runService(definition.name, logger, config.SHUTDOWN_GRACE_SECONDS, () =>
    startSubgraph(definition, {
      databaseUrl: config.DATABASE_URL,
      host: config.HOST,
      port: config.PORT,
      logger,
      introspection: config.NODE_ENV !== 'production',
      shutdownGraceSeconds: config.SHUTDOWN_GRACE_SECONDS,
      processMetrics: true,
      events: eventBusOptions(config),
    }),
  );
}
