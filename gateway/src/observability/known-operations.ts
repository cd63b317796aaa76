import type { Logger } from '@shop/platform/logger';
import type { GatewayConfig } from '../config';
import { readPersistedOperations } from '../persisted-operations/manifest';
import { loadOperations } from '../playground/operations';

/**
 * The operation names the gateway's metrics label on their own: the persisted operations'
 * (PERSISTED_OPERATIONS_MANIFEST) and the committed ones' (PLAYGROUND_OPERATIONS_DIR). Any other
 * name is a client's choice, unbounded, and is counted as `other`.
 */
export async function knownOperationNames(config: GatewayConfig, logger: Logger): Promise<Set<string>> {
  const names = new Set<string>();
  try {
    for (const name of (await readPersistedOperations(config.PERSISTED_OPERATIONS_MANIFEST)).names())
      names.add(name);
  } catch (error) {
    logger.info(
      { manifest: config.PERSISTED_OPERATIONS_MANIFEST, err: error },
      'no persisted operations to label metrics with',
    );
  }
  for (const operation of await loadOperations(config.PLAYGROUND_OPERATIONS_DIR, logger))
    names.add(operation.name);
  return names;
}
