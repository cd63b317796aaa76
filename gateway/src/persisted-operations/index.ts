import type { ApolloServerOptions } from '@apollo/server';
import type { Logger } from '@shop/platform/logger';
import { StartupError } from '@shop/platform/service';
import type { GatewayConfig } from '../config';
import type { GatewayContext } from '../context';
import { readPersistedOperations } from './manifest';
import { persistedOperationCache } from './operation-cache';
import { safelistPlugin } from './safelist-plugin';

type ServerOptions = Pick<ApolloServerOptions<GatewayContext>, 'persistedQueries' | 'plugins'>;

/**
 * Apollo Server options for PERSISTED_OPERATIONS: `off` keeps Apollo's automatic persisted
 * queries as they are; `log` adds the manifest's operations by id and logs any other; `safelist`
 * runs only the manifest's operations, by id or by text, and registers nothing new.
 */
export async function persistedOperationsOptions(
  config: GatewayConfig,
  logger: Logger,
): Promise<ServerOptions> {
  const mode = config.PERSISTED_OPERATIONS;
  if (mode === 'off') return { plugins: [] };
  let operations: Awaited<ReturnType<typeof readPersistedOperations>>;
  try {
    operations = await readPersistedOperations(config.PERSISTED_OPERATIONS_MANIFEST);
  } catch (error) {
    throw new StartupError(
      `PERSISTED_OPERATIONS=${mode} needs the manifest at ${config.PERSISTED_OPERATIONS_MANIFEST}: ${(error as Error).message}`,
    );
  }
  logger.info(
    { mode, operations: operations.size, manifest: config.PERSISTED_OPERATIONS_MANIFEST },
    `persisted operations: ${mode}`,
  );
  return {
    persistedQueries: { cache: persistedOperationCache(operations, mode === 'log') },
    plugins: [safelistPlugin(mode, operations, logger)],
  };
}
