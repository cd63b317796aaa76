import type { Database } from '@shop/platform/db';
import type { RequestScope } from '@shop/platform/service';
import type * as tables from './db/schema';
import { createLoaders, type Loaders } from './loaders';

export type Tables = typeof tables;
/** The orders database, or a transaction on it. */
export type Db = Database<Tables>;

export interface Context extends RequestScope<Tables> {
  loaders: Loaders;
}

export function createContext(scope: RequestScope<Tables>): Context {
  return { ...scope, loaders: createLoaders(scope.db) };
}
