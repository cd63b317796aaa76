import type { QueryResolvers } from '../../__generated__/resolvers-types';
import { listCategories } from '../../domain/categories';

export const categories: QueryResolvers['categories'] = (_parent, _args, { db }) => listCategories(db);
