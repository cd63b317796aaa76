import type { Resolvers } from '../__generated__/resolvers-types';
import { LowStockEdge } from './LowStockEdge';
import { setStock } from './Mutation/setStock';
import { Product } from './Product';
import { lowStock } from './Query/lowStock';
import { Stock } from './Stock';
import { lowStock as lowStockAlerts } from './Subscription/lowStock';

export const resolvers: Resolvers = {
  Query: { lowStock },
  Mutation: { setStock },
  Subscription: { lowStock: lowStockAlerts },
  Product,
  Stock,
  LowStockEdge,
};
