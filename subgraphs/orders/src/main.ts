import { runSubgraph } from '@shop/platform/service';
import { config } from './config';
import { ordersSubgraph } from './subgraph';

await runSubgraph(ordersSubgraph, config);
