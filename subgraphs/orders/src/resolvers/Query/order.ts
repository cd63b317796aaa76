import type { QueryResolvers } from '../../__generated__/resolvers-types';

export const order: QueryResolvers['order'] = (_parent, { id }, { loaders }) => loaders.orderById.load(id);
