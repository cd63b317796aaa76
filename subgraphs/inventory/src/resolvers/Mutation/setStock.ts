import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { setAvailable } from '../../domain/stock';

export const setStock: MutationResolvers['setStock'] = (_parent, args, { db, caller }) =>
  setAvailable({ db, caller }, args);
