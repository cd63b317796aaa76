import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { seed } from './db/seed';
import { inventorySubgraph } from './subgraph';

await runSeed(inventorySubgraph, config.DATABASE_URL, seed);
