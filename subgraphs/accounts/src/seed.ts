import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { seed } from './db/seed';
import { accountsSubgraph } from './subgraph';

await runSeed(accountsSubgraph, config.DATABASE_URL, seed);
