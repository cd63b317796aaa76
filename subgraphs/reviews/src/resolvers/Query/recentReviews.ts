import type { QueryResolvers } from '../../__generated__/resolvers-types';
import { listRecentReviews } from '../../domain/recent-reviews';

export const recentReviews: QueryResolvers['recentReviews'] = (_parent, args, { db, caller }) =>
  listRecentReviews({ db, caller }, args);
