import type { Connection, Edge } from '@shop/platform/pagination';
import type { CategoryRow, ProductRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
export type ProductMapper = ProductRow;
export type CategoryMapper = CategoryRow;
export type ProductConnectionMapper = Connection<ProductRow>;
export type ProductEdgeMapper = Edge<ProductRow>;
