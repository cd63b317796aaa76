import { isAdmin } from '@shop/platform/auth';
import { forbidden } from '@shop/platform/errors';
import type { QueryResolvers } from '../../__generated__/resolvers-types';

export const user: QueryResolvers['user'] = (_parent, { id }, { caller, loaders }) => {
  if (!isAdmin(caller)) throw forbidden('Only admins can look up users.');
  return loaders.userById.load(id);
};
