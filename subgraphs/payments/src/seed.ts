import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { seed } from './db/seed';
import { paymentsSubgraph } from './subgraph';

await runSeed(paymentsSubgraph, config.DATABASE_URL, seed);
