import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Order } from './Order';
import { Payment } from './Payment';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Order,
  Payment,
};
