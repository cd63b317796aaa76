import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '@shop/platform/service';
import { parse } from 'graphql';
import { type Context, createContext, type Tables } from './context';
import * as tables from './db/schema';
import { consumes } from './events';
import { resolvers } from './resolvers';

export const reviewsSubgraph: SubgraphDefinition<Tables, Context> = {
  name: 'reviews',
  typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
  resolvers,
  tables,
  migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
  createContext,
  events: { consumes },
};
