import { toConnection } from '@shop/platform/pagination';
import type { QueryResolvers } from '../../__generated__/resolvers-types';
import { productCursor, readProductListArgs } from '../../domain/product-list';
import { countProducts, listProducts } from '../../domain/products';

export const products: QueryResolvers['products'] = async (_parent, args, { db, loaders }) => {
  const query = readProductListArgs(args);
  const rows = await listProducts(db, query);
  // Later references to these products in the same request need no query of their own.
  for (const row of rows) loaders.productById.prime(row.id, row);
  return toConnection(
    rows,
    query.page,
    (row) => productCursor(query.order, row),
    () => countProducts(db, query.filter),
  );
};
