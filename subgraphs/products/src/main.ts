import { runSubgraph } from '@shop/platform/service';
import { config } from './config';
import { productsSubgraph } from './subgraph';

await runSubgraph(productsSubgraph, config);
