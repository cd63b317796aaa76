import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { seed } from './db/seed';
import { ordersSubgraph } from './subgraph';

await runSeed(ordersSubgraph, config.DATABASE_URL, seed);
