import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { updateProduct as update } from '../../domain/product-changes';

export const updateProduct: MutationResolvers['updateProduct'] = (_parent, { id, input }, { db, caller }) =>
  update({ db, caller }, id, input);
