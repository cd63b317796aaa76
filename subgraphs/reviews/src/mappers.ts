import type { Connection, Edge } from '@shop/platform/pagination';
import type { ReviewRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
export type ReviewMapper = ReviewRow;
export type ReviewConnectionMapper = Connection<ReviewRow>;
export type ReviewEdgeMapper = Edge<ReviewRow>;
/** Products and users belong to other services: here they are only their keys. */
export type ProductMapper = { id: string };
export type UserMapper = { id: string };
