import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { addReview } from './Mutation/addReview';
import { deleteReview } from './Mutation/deleteReview';
import { Product } from './Product';
import { recentReviews } from './Query/recentReviews';
import { review } from './Query/review';
import { Review } from './Review';
import { User } from './User';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { review, recentReviews },
  Mutation: { addReview, deleteReview },
  Review,
  Product,
  User,
};
