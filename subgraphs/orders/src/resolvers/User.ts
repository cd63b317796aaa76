import { toConnection } from '@shop/platform/pagination';
import type { UserResolvers } from '../__generated__/resolvers-types';
import { requireOrdersOf } from '../domain/order-access';
import { orderCursor, readOrderPageArgs } from '../domain/orders';

export const User: UserResolvers = {
  orders: async ({ id }, args, { caller, loaders }) => {
    requireOrdersOf(caller, id);
    const page = readOrderPageArgs(args);
    const rows = await loaders.ordersOfUser.load({ parentId: id, page });
    // Later references to these orders in the same request need no query of their own.
    for (const row of rows) loaders.orderById.prime(row.id, row);
    return toConnection(
      rows,
      page,
      orderCursor,
      async () => (await loaders.orderCountOfUser.load(id))?.orderCount ?? 0,
    );
  },
};
