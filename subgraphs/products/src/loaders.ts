import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './db/database';
import { findCategoriesByIds } from './domain/categories';
import { findProductsByIds, findProductsBySkus } from './domain/products';

export function createLoaders(db: Db) {
  return {
    productById: createBatchLoader(
      (ids: readonly string[]) => findProductsByIds(db, ids),
      (product) => product.id,
    ),
    productBySku: createBatchLoader(
      (skus: readonly string[]) => findProductsBySkus(db, skus),
      (product) => product.sku,
    ),
    categoryById: createBatchLoader(
      (ids: readonly string[]) => findCategoriesByIds(db, ids),
      (category) => category.id,
    ),
  };
}
