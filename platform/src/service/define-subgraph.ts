import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import type { Database } from '../db/database';
import type { ServiceEvents } from '../events/runtime';
import type { Routes } from '../http/server';
import type { BackgroundWork, RequestScope, SubgraphDefinition } from './subgraph-service';

type TableSchema = Record<string, unknown>;

/** What a subgraph's resolvers get for one request: the scope, its loaders, and its own services. */
export type SubgraphContext<
  TSchema extends TableSchema,
  TLoaders,
  TServices extends object = Record<never, never>,
> = RequestScope<TSchema> & TServices & { loaders: TLoaders };

/** What only this subgraph can say; everything else is found by its place in the folder. */
export interface SubgraphParts<TSchema extends TableSchema, TLoaders, TServices extends object> {
  /** The per-request DataLoaders (`src/loaders.ts`): made fresh for every request. */
  loaders(db: Database<TSchema>): TLoaders;
  /** What it publishes and consumes (`src/events.ts`); the runtime runs its outbox relay and consumer. */
  events?: ServiceEvents<TSchema>;
  /** Loops it runs while it serves (orders' checkout deadline); see BackgroundWork. */
  background?: readonly BackgroundWork<TSchema>[];
  /** HTTP routes beside `/graphql` (accounts' JWKS); like `/health`, they are open to anyone. */
  routes?: Routes;
  /** What every request gets beside its scope and loaders, the same for all (accounts' token issuer). */
  services?: TServices;
}

/** The files every subgraph keeps in the same places, found from any module in its `src/`. */
export interface SubgraphFiles {
  /** The workspace folder's name: `subgraphs/reviews` is `reviews`. */
  name: string;
  src: URL;
  /** drizzle-kit output folder with the committed SQL migrations (`drizzle/`). */
  migrationsFolder: string;
}

export function findSubgraphFiles(moduleUrl: string): SubgraphFiles {
  const src = new URL('./', moduleUrl);
  return {
    name: basename(dirname(fileURLToPath(src))),
    src,
    migrationsFolder: fileURLToPath(new URL('../drizzle', src)),
  };
}

/** The Drizzle tables of `src/db/schema.ts`, typed by the caller (its `Tables`). */
export async function importTables<TSchema extends TableSchema>(files: SubgraphFiles): Promise<TSchema> {
  return { ...(await import(new URL('db/schema.ts', files.src).href)) } as TSchema;
}

/**
 * A subgraph from its folder's conventions, called in its `src/subgraph.ts` with that module's
 * `import.meta.url`: the SDL is `src/schema.graphql`, the resolvers `resolvers` of
 * `src/resolvers/index.ts`, the tables `src/db/schema.ts`, the migrations `drizzle/`, the name
 * its folder's; `parts` are what is its own.
 */
export async function defineSubgraph<
  TSchema extends TableSchema,
  TLoaders,
  TServices extends object = Record<never, never>,
>(
  moduleUrl: string,
  parts: SubgraphParts<TSchema, TLoaders, TServices>,
): Promise<SubgraphDefinition<TSchema, SubgraphContext<TSchema, TLoaders, TServices>>> {
  const files = findSubgraphFiles(moduleUrl);
  const { resolvers } = (await import(new URL('resolvers/index.ts', files.src).href)) as {
    resolvers: SubgraphDefinition<TSchema, never>['resolvers'];
  };
  const services = parts.services ?? ({} as TServices);
  return {
    name: files.name,
    typeDefs: parse(readFileSync(new URL('schema.graphql', files.src), 'utf8')),
    resolvers,
    tables: await importTables<TSchema>(files),
    migrationsFolder: files.migrationsFolder,
    createContext: (scope) => ({ ...scope, ...services, loaders: parts.loaders(scope.db) }),
    ...(parts.routes ? { routes: parts.routes } : {}),
    ...(parts.events ? { events: parts.events } : {}),
    ...(parts.background ? { background: parts.background } : {}),
  };
}
