import type { Connection, Edge } from '@shop/platform/pagination';
import type { WarehouseRow } from './domain/low-stock';
import type { StockLevel } from './domain/stock';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
/**
 * Products belong to the catalog: here they are their key, plus the SKU where a stock row
 * provides it and the fields the gateway sends for `@requires`.
 */
export interface ProductMapper {
  id: string;
  sku?: string;
  price?: { amount: number; currency: string };
  weightGrams?: number;
  packagingGrams?: number;
}
export type StockMapper = StockLevel;
export type LowStockConnectionMapper = Connection<WarehouseRow>;
export type LowStockEdgeMapper = Edge<WarehouseRow>;
