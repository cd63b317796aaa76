import { requireScope, Scope } from '@shop/platform/auth';
import type { StockResolvers } from '../__generated__/resolvers-types';

export const Stock: StockResolvers = {
  // How much is held for orders in progress, and how much has sold, tells how well a product
  // sells: admins only.
  reserved: (stock, _args, { caller }) => {
    requireScope(caller, Scope.INVENTORY_WRITE, 'see reserved stock');
    return stock.reserved;
  },
  sold: (stock, _args, { caller }) => {
    requireScope(caller, Scope.INVENTORY_WRITE, 'see sold stock');
    return stock.sold;
  },
};
