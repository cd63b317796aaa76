import { isSelfOrAdmin } from '@shop/platform/auth';
import { forbidden } from '@shop/platform/errors';
import type { UserResolvers } from '../__generated__/resolvers-types';

export const User: UserResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.userById.load(id),
  // Checked here, not only at the gateway: a reference resolved for any caller must not leak it.
  email: (user, _args, { caller }) => {
    if (!user.justAuthenticated && !isSelfOrAdmin(caller, user.id))
      throw forbidden("Only the user themself or an admin can see a user's email.");
    return user.email;
  },
};
