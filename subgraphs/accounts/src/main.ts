import { runSubgraph } from '@shop/platform/service';
import { config } from './config';
import { accountsSubgraph } from './subgraph';

await runSubgraph(accountsSubgraph, config);
