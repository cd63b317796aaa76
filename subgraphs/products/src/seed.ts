import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { seed } from './db/seed';
import { productsSubgraph } from './subgraph';

await runSeed(productsSubgraph, config.DATABASE_URL, seed);
