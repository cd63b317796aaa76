import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { cancelOrder as cancel } from '../../domain/cancel-order';

export const cancelOrder: MutationResolvers['cancelOrder'] = (_parent, { id }, { db, caller }) =>
  cancel({ db, caller }, id);
