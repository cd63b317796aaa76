import { createLogger } from '@shop/platform/logger';
import { runSubgraphCommand } from '@shop/platform/service';
import { config } from './config';
import { openPaymentProcessor } from './domain/configured-processor';
import { createPaymentsSubgraph } from './subgraph';

// `start` (the default), `migrate` or `seed [--products N …]`: see runSubgraphCommand.
await runSubgraphCommand(import.meta.url, config, () => {
  const { processor } = openPaymentProcessor(config);
  // The processor's pool ends with the process, after the service has stopped taking events.
  return createPaymentsSubgraph({ processor, logger: createLogger('payments', config.LOG_LEVEL) });
});
