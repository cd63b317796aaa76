import type { Logger } from '@shop/platform/logger';
import type { GatewayConfig } from '../config';
import { readPersistedOperations } from '../persisted-operations/manifest';

/**
 * The operation names the gateway's metrics label on their own: the persisted operations'
 * (PERSISTED_OPERATIONS_MANIFEST: the storefront's and the other committed clients'). Any other
 * name is a client's choice, unbounded, and is counted as `other`.
 */
export async function knownOperationNames(config: GatewayConfig, logger: Logger): Promise<Set<string>> {
  try {
    return new Set((await readPersistedOperations(config.PERSISTED_OPERATIONS_MANIFEST)).names());
  } catch (error) {
    logger.info(
      { manifest: config.PERSISTED_OPERATIONS_MANIFEST, err: error },
      'no persisted operations to label metrics with',
    );
    return new Set();
  }
}
