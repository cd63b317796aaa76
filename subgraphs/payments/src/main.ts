import { createLogger } from '@shop/platform/logger';
import { runSubgraph } from '@shop/platform/service';
import { config } from './config';
import { openPaymentProcessor } from './domain/configured-processor';
import { createPaymentsSubgraph } from './subgraph';

const { processor } = openPaymentProcessor(config);
const logger = createLogger('payments', config.LOG_LEVEL);
// The processor's pool ends with the process, after the service has stopped taking events.
await runSubgraph(createPaymentsSubgraph({ processor, logger }), config);
