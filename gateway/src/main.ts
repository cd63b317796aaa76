import cluster from 'node:cluster';
import { createLogger } from '@shop/platform/logger';
import { runService } from '@shop/platform/service';
import { runGatewayCluster } from './cluster';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

const config = loadGatewayConfig();
const logger = createLogger('gateway', config.LOG_LEVEL);
if (config.GATEWAY_WORKERS > 1 && cluster.isPrimary) runGatewayCluster(config.GATEWAY_WORKERS, logger);
else
  await runService('gateway', logger, config.SHUTDOWN_GRACE_SECONDS, () =>
    startGateway(config, logger, { processMetrics: true }),
  );
