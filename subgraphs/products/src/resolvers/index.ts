import { DateTimeScalar } from '@shop/platform/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { createProduct } from './Mutation/createProduct';
import { updateProduct } from './Mutation/updateProduct';
import { Product } from './Product';
import { categories } from './Query/categories';
import { product } from './Query/product';
import { products } from './Query/products';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { product, products, categories },
  Mutation: { createProduct, updateProduct },
  Product,
};
