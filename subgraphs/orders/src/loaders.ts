import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './context';
import { findOrdersByIds } from './domain/orders';

export type Loaders = ReturnType<typeof createLoaders>;

/** Made fresh for every request, so nothing cached leaks from one caller to another. */
export function createLoaders(db: Db) {
  return {
    orderById: createBatchLoader(
      (ids: readonly string[]) => findOrdersByIds(db, ids),
      (row) => row.id,
    ),
  };
}
