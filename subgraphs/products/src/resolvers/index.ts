import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Product } from './Product';
import { categories } from './Query/categories';
import { product } from './Query/product';
import { products } from './Query/products';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { product, products, categories },
  Product,
};
