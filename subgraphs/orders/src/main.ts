import { runSubgraphCommand } from '@shop/platform/service';
import { config } from './config';
import { createOrdersSubgraph } from './subgraph';

// `start` (the default), `migrate` or `seed [--products N …]`: see runSubgraphCommand.
await runSubgraphCommand(import.meta.url, config, () =>
  createOrdersSubgraph({ checkoutDeadlineSeconds: config.CHECKOUT_DEADLINE_SECONDS }),
);
