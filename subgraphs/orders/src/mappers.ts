import type { Connection, Edge } from '@shop/platform/pagination';
import type { OrderLineRow, OrderRow, OrderTransitionRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
export type OrderMapper = OrderRow;
/** A line knows its order's currency, which its prices are in. */
export type OrderLineMapper = OrderLineRow & { currency: string };
export type OrderStateChangeMapper = OrderTransitionRow;
export type OrderConnectionMapper = Connection<OrderRow>;
export type OrderEdgeMapper = Edge<OrderRow>;
/** Users and products belong to other services: here they are only their keys. */
export type UserMapper = { id: string };
export type ProductMapper = { id: string };
