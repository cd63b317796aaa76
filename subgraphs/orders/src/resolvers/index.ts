import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { cancelOrder } from './Mutation/cancelOrder';
import { placeOrder } from './Mutation/placeOrder';
import { Order } from './Order';
import { OrderLine } from './OrderLine';
import { OrderStateChange } from './OrderStateChange';
import { order } from './Query/order';
import { myOrders } from './Subscription/myOrders';
import { orderUpdated } from './Subscription/orderUpdated';
import { User } from './User';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { order },
  Mutation: { placeOrder, cancelOrder },
  Subscription: { orderUpdated, myOrders },
  Order,
  OrderLine,
  OrderStateChange,
  User,
};
