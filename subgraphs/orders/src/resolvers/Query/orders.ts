import { toConnection } from '@shop/platform/pagination';
import type { QueryResolvers } from '../../__generated__/resolvers-types';
import { countOrders, listOrders, orderCursor, readOrderPageArgs } from '../../domain/orders';

export const orders: QueryResolvers['orders'] = async (_parent, args, { db, loaders }) => {
  const page = readOrderPageArgs(args);
  const rows = await listOrders(db, page);
  // Later references to these in the same request need no query of their own.
  for (const row of rows) loaders.orderById.prime(row.id, row);
  return toConnection(rows, page, orderCursor, () => countOrders(db));
};
