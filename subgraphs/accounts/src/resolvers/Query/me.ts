import type { QueryResolvers } from '../../__generated__/resolvers-types';

export const me: QueryResolvers['me'] = (_parent, _args, { caller, loaders }) =>
  caller ? loaders.userById.load(caller.userId) : null;
