import { runSubgraph } from '@shop/platform/service';
import { config } from './config';
import { reviewsSubgraph } from './subgraph';

await runSubgraph(reviewsSubgraph, config);
