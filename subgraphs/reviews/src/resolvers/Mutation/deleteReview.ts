import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { deleteReview as remove } from '../../domain/review-changes';

export const deleteReview: MutationResolvers['deleteReview'] = async (_parent, { id }, { db, caller }) => {
  const review = await remove({ db, caller }, id);
  return { deletedReviewId: review.id, product: { id: review.productId } };
};
