import { toConnection } from '@shop/platform/pagination';
import type { QueryResolvers } from '../../__generated__/resolvers-types';
import { countLowStock, listLowStock, lowStockCursor, readLowStockArgs } from '../../domain/low-stock';

export const lowStock: QueryResolvers['lowStock'] = async (_parent, args, { db, caller, loaders }) => {
  const query = readLowStockArgs(caller, args);
  const rows = await listLowStock(db, query);
  // The products' stock is already here: asking for it costs no second query.
  for (const row of rows) loaders.stockByProductId.prime(row.productId, row);
  return toConnection(rows, query.page, lowStockCursor, () => countLowStock(db, query.atMost));
};
