import type { QueryResolvers } from '../../__generated__/resolvers-types';

export const review: QueryResolvers['review'] = (_parent, { id }, { loaders }) => loaders.reviewById.load(id);
