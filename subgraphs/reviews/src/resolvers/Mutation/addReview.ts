import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { addReview as add } from '../../domain/review-changes';

export const addReview: MutationResolvers['addReview'] = (_parent, { input }, { db, caller }) =>
  add({ db, caller }, input);
