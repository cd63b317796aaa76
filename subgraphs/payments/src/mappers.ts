import type { Connection, Edge } from '@shop/platform/pagination';
import type { PaymentRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
export type PaymentMapper = PaymentRow;
export type PaymentConnectionMapper = Connection<PaymentRow>;
export type PaymentEdgeMapper = Edge<PaymentRow>;
