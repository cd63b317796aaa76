import type { Connection, Edge } from '@shop/platform/pagination';
import type { OrderRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
export type OrderMapper = OrderRow;
export type OrderConnectionMapper = Connection<OrderRow>;
export type OrderEdgeMapper = Edge<OrderRow>;
