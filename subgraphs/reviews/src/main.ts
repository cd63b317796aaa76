import { runSubgraphCommand } from '@shop/platform/service';
import { config } from './config';
import { reviewsSubgraph } from './subgraph';

// `start` (the default), `migrate` or `seed [--products N …]`: see runSubgraphCommand.
await runSubgraphCommand(import.meta.url, config, async () => reviewsSubgraph);
