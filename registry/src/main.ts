import { createLogger } from '@shop/platform/logger';
import { runService, StartupError } from '@shop/platform/service';
import { loadRegistryConfig } from './config';
import { startRegistry } from './server';

const config = loadRegistryConfig();
const logger = createLogger('registry', config.LOG_LEVEL);
await runService('registry', logger, config.SHUTDOWN_GRACE_SECONDS, async () => {
  // In production a registry nobody can administer, or that trusts any usage report, is a mistake.
  if (config.NODE_ENV === 'production' && config.REGISTRY_ADMIN_TOKEN === '')
    throw new StartupError('REGISTRY_ADMIN_TOKEN is required when NODE_ENV=production');
  return startRegistry(config, logger, { processMetrics: true });
});
