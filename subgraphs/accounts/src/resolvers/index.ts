import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { me } from './Query/me';
import { user } from './Query/user';
import { User } from './User';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { me, user },
  User,
};
