import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './context';
import { findStockOfProducts } from './domain/stock';

export type Loaders = ReturnType<typeof createLoaders>;

/** Made fresh for every request, so nothing cached leaks from one caller to another. */
export function createLoaders(db: Db) {
  return {
    stockByProductId: createBatchLoader(
      (ids: readonly string[]) => findStockOfProducts(db, ids),
      (row) => row.productId,
    ),
  };
}
