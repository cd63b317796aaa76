import { defineSubgraph, type SubgraphContext } from '@shop/platform/service';
import type { Tables } from './db/database';
import { startCheckoutDeadline } from './domain/checkout-deadline';
import { consumes, publishes } from './events';
import { createLoaders } from './loaders';

/**
 * The orders subgraph, rejecting checkouts that outlast `checkoutDeadlineSeconds`
 * (`CHECKOUT_DEADLINE_SECONDS` in `main.ts`, a second or two in tests).
 * SDL, resolvers, tables and migrations are found by their places (see defineSubgraph).
 */
export function createOrdersSubgraph(options: { checkoutDeadlineSeconds: number }) {
  return defineSubgraph(import.meta.url, {
    loaders: createLoaders,
    events: { publishes, consumes },
    background: [
      ({ db, logger }) =>
        startCheckoutDeadline({ db, logger, deadlineSeconds: options.checkoutDeadlineSeconds }),
    ],
  });
}

export type Context = SubgraphContext<Tables, ReturnType<typeof createLoaders>>;
