import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Order } from './Order';
import { order } from './Query/order';
import { orders } from './Query/orders';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { order, orders },
  Order,
};
