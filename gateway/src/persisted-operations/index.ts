import type { ApolloServerOptions } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Logger } from '@shop/platform/logger';
import { StartupError } from '@shop/platform/service';
import type { GatewayConfig } from '../config';
import type { GatewayContext } from '../context';
import { PersistedOperations, readPersistedOperations } from './manifest';
import { persistedOperationCache } from './operation-cache';
import { persistedOperationCheck, safelistPlugin } from './safelist-plugin';

/** Apollo Server options, and the cache the operation guard reads a hash-only request's text from. */
type PersistedOperationsSetup = Required<Pick<ApolloServerOptions<GatewayContext>, 'plugins'>> & {
  cache: KeyValueCache<string>;
  /** Whether an operation sent as text may run (false only for one outside the safelist); for other transports than Apollo Server's. */
  mayRun: (text: string, operationName: string | undefined) => boolean;
};

/**
 * PERSISTED_OPERATIONS: `off` keeps automatic persisted queries (clients register their own); `log` adds the manifest's operations by id and logs any other; `safelist`
 * runs only the manifest's operations, by id or by text, and registers nothing new.
 */
export async function setUpPersistedOperations(
  config: GatewayConfig,
  logger: Logger,
): Promise<PersistedOperationsSetup> {
  const mode = config.PERSISTED_OPERATIONS;
  if (mode === 'off')
    return {
      cache: persistedOperationCache(new PersistedOperations([]), true),
      plugins: [],
      mayRun: () => true,
    };
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
  const isKnown = persistedOperationCheck(mode, operations, logger);
  return {
    cache: persistedOperationCache(operations, mode === 'log'),
    plugins: [safelistPlugin(mode, isKnown)],
    mayRun: (text, operationName) => isKnown(text, operationName) || mode === 'log',
  };
}
