import { createBatchLoader } from '@shop/platform/loaders';
import type { Db } from './context';
import { findCategoriesByIds } from './domain/categories';
import { findProductsByIds, findProductsBySkus } from './domain/products';

export type Loaders = ReturnType<typeof createLoaders>;

/** Made fresh for every request, so nothing cached leaks from one caller to another. */
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
