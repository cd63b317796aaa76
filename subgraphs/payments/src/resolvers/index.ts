import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Payment } from './Payment';
import { payment } from './Query/payment';
import { payments } from './Query/payments';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { payment, payments },
  Payment,
};
