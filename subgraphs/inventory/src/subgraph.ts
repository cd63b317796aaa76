import { defineSubgraph, type SubgraphContext } from '@shop/platform/service';
import type { Tables } from './db/database';
import { consumes, publishes } from './events';
import { createLoaders } from './loaders';

// SDL, resolvers, tables and migrations are found by their places (see defineSubgraph).
export const inventorySubgraph = await defineSubgraph(import.meta.url, {
  loaders: createLoaders,
  events: { publishes, consumes },
});

export type Context = SubgraphContext<Tables, ReturnType<typeof createLoaders>>;
