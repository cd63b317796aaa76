import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './db/database';
import { findStockOfProducts } from './domain/stock';

export function createLoaders(db: Db) {
  return {
    stockByProductId: createBatchLoader(
      (ids: readonly string[]) => findStockOfProducts(db, ids),
      (row) => row.productId,
    ),
  };
}
