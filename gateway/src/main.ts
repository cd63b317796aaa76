import { createLogger } from '@shop/platform/logger';
import { runService } from '@shop/platform/service';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

const config = loadGatewayConfig();
const logger = createLogger('gateway', config.LOG_LEVEL);
await runService('gateway', logger, config.SHUTDOWN_GRACE_SECONDS, () =>
  startGateway(config, logger, { processMetrics: true }),
);
