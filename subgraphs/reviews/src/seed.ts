import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { seed } from './db/seed';
import { reviewsSubgraph } from './subgraph';

await runSeed(reviewsSubgraph, config.DATABASE_URL, seed);
