import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './context';
import { findUsersByIds } from './domain/users';

export type Loaders = ReturnType<typeof createLoaders>;

/** Made fresh for every request, so nothing cached leaks from one caller to another. */
export function createLoaders(db: Db) {
  return {
    userById: createBatchLoader(
      (ids: readonly string[]) => findUsersByIds(db, ids),
      (user) => user.id,
    ),
  };
}
