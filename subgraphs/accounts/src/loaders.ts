import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './db/database';
import { findUsersByIds } from './domain/users';

export function createLoaders(db: Db) {
  return {
    userById: createBatchLoader(
      (ids: readonly string[]) => findUsersByIds(db, ids),
      (user) => user.id,
    ),
  };
}
