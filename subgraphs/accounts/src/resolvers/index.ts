import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { logIn } from './Mutation/logIn';
import { signUp } from './Mutation/signUp';
import { me } from './Query/me';
import { user } from './Query/user';
import { User } from './User';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { me, user },
  Mutation: { signUp, logIn },
  User,
};
