import { runSubgraph } from '@shop/platform/service';
import { config } from './config';
import { paymentsSubgraph } from './subgraph';

await runSubgraph(paymentsSubgraph, config);
