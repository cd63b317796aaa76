import { runSubgraph } from '@shop/platform/service';
import { config } from './config';
import { inventorySubgraph } from './subgraph';

await runSubgraph(inventorySubgraph, config);
