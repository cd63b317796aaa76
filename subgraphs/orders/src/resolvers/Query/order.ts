import type { QueryResolvers } from '../../__generated__/resolvers-types';
import { visibleOrder } from '../../domain/order-access';

export const order: QueryResolvers['order'] = async (_parent, { id }, { caller, loaders }) =>
  visibleOrder(caller, await loaders.orderById.load(id));
