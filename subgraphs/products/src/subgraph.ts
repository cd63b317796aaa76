import { defineSubgraph, type SubgraphContext } from '@shop/platform/service';
import type { Tables } from './db/database';
import { publishes } from './events';
import { createLoaders } from './loaders';

// SDL, resolvers, tables and migrations are found by their places (see defineSubgraph).
export const productsSubgraph = await defineSubgraph(import.meta.url, {
  loaders: createLoaders,
  events: { publishes },
});

export type Context = SubgraphContext<Tables, ReturnType<typeof createLoaders>>;
