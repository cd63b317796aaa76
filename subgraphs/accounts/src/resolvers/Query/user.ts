import { hasScope, Scope } from '@shop/platform/auth';
import { forbidden, unauthenticated } from '@shop/platform/errors';
import type { QueryResolvers } from '../../__generated__/resolvers-types';

export const user: QueryResolvers['user'] = (_parent, { id }, { caller, loaders }) => {
  if (!caller) throw unauthenticated();
  if (!hasScope(caller, Scope.USERS_READ)) throw forbidden('Only admins can look up users.');
  return loaders.userById.load(id);
};
