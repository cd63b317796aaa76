import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { createProduct as create } from '../../domain/product-changes';

export const createProduct: MutationResolvers['createProduct'] = (_parent, { input }, { db, caller }) =>
  create({ db, caller }, input);
