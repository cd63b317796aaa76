import { createBatchLoader, createGroupLoader, createPageLoader } from '@shop/platform/loaders';
import type { Page } from '@shop/platform/pagination';
import type { Db } from './db/database';
import {
  countOrdersOfUsers,
  findLinesOfOrders,
  findOrdersByIds,
  findTransitionsOfOrders,
  listOrdersOfUsers,
  type OrderCursor,
} from './domain/orders';

export function createLoaders(db: Db) {
  return {
    orderById: createBatchLoader(
      (ids: readonly string[]) => findOrdersByIds(db, ids),
      (order) => order.id,
    ),
    linesOfOrder: createGroupLoader(
      (ids: readonly string[]) => findLinesOfOrders(db, ids),
      (line) => line.orderId,
    ),
    transitionsOfOrder: createGroupLoader(
      (ids: readonly string[]) => findTransitionsOfOrders(db, ids),
      (transition) => transition.orderId,
    ),
    ordersOfUser: createPageLoader(
      (ids, page: Page<OrderCursor>) => listOrdersOfUsers(db, ids, page),
      (order) => order.userId,
    ),
    orderCountOfUser: createBatchLoader(
      (ids: readonly string[]) => countOrdersOfUsers(db, ids),
      (summary) => summary.userId,
    ),
  };
}
